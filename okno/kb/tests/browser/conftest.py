"""The agent UI's browser fixtures (a live uvicorn and Debian Chromium), shared here."""

from okno.web.tests.browser.conftest import browser, live_asgi, new_context, page  # noqa: F401
