"""Pages speak the user's language and run clean: no console errors, no CSP violations."""

import pytest

from okno.tests.personas import PASSWORD
from okno.web.tests.browser.conftest import login, watch_console

pytestmark = pytest.mark.browser


# Words each page must show in the user's language (and the English it replaces).
EXPECTED = {
    "ru": {"/tickets/": "Мои открытые заявки", "ticket": "Внутренняя заметка"},
    "uk": {"/tickets/": "Мої відкриті заявки", "ticket": "Внутрішня нотатка"},
}


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_agent_pages_render_in_the_users_language(live_asgi, world, page, language):
    world.agent_a.language = language
    world.agent_a.save(update_fields=["language"])
    login(page, live_asgi, world.agent_a.email, PASSWORD)

    for path in ("/tickets/", f"/tickets/{world.ticket_a.number}/"):
        response = page.goto(live_asgi + path)
        assert response.status == 200
        assert response.headers["content-language"] == language
        assert page.get_attribute("html", "lang") == language
        word = EXPECTED[language]["/tickets/" if path == "/tickets/" else "ticket"]
        assert word in page.content()
        assert "My open tickets" not in page.content() and "Internal note" not in page.content()


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_portal_follows_the_browsers_language(live_asgi, new_context, language):
    portal = new_context(locale=language).new_page()
    response = portal.goto(f"{live_asgi}/portal/")
    assert response.headers["content-language"] == language
    assert portal.get_attribute("html", "lang") == language


def test_inbox_and_ticket_page_have_no_console_errors(live_asgi, world, page):
    errors = watch_console(page)
    login(page, live_asgi, world.agent_a.email, PASSWORD)
    page.goto(f"{live_asgi}/tickets/", wait_until="networkidle")
    page.goto(f"{live_asgi}/tickets/{world.ticket_a.number}/", wait_until="networkidle")
    # Typing goes over the WebSocket; a CSP or script error would show up here.
    page.fill("#editor textarea[name=body]", "Проверяем картридж.")
    page.wait_for_timeout(300)
    assert errors == []
