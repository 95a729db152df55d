"""Browser tests: a real uvicorn serving Okno to a real (Debian) Chromium.

The server runs in a thread of the test process, so it shares the test database
(a file on SQLite: see settings.DATABASES TEST NAME), the locmem mail outbox, the
cache and the in-memory channel layer with the test. Tests use `transactional_db`
so what they write is committed and visible to the server's connections.

Run only in the SQLite pass (the Makefile runs PostgreSQL with -m "not browser").
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium against a live server (SQLite pass only)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_asgi(transactional_db, settings) -> Iterator[str]:
    """Okno's ASGI app under uvicorn on a free loopback port; yields the base URL."""
    import uvicorn
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("browser tests run in the SQLite pass only")
    from okno.asgi import application

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings.BASE_URL = base_url  # links in emails (magic links) point here
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-asgi", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(transactional_db, monkeypatch):
    """Chromium for one test (Debian's build: Playwright's download is not available).

    Playwright's sync API keeps an event loop running in this thread, and Django
    refuses ORM calls from a thread with a running loop. The test's own ORM calls
    are plain blocking ones, so allow them while the browser lives; the browser is
    per test (and closes before the database is flushed) so no other test runs
    with the check relaxed.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser):
    """Make isolated browser contexts (one per person); all closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


# Chromium asks for /favicon.ico on its own; no page links it, so its 404 is not a
# page error. (Reported: the templates could declare an icon.)
IGNORED_PATHS = ("/favicon.ico",)


def watch_console(page) -> list[str]:
    """Collect the page's console errors, uncaught exceptions and failed loads
    (Chromium reports CSP violations as console errors) into the returned list."""
    errors: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    def on_response(response):
        # "Failed to load resource" console lines carry no URL; name it here instead.
        if response.status >= 400 and not response.url.endswith(IGNORED_PATHS):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    return errors


@pytest.fixture
def page(new_context):
    """One page in a fresh browser context."""
    return new_context().new_page()


def login(page, base_url: str, email: str, password: str) -> None:
    """Log an agent in through the login form and wait to land inside."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
