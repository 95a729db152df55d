"""The KB scripts in a real Chromium: request-form suggestions with the deflection
marker, and inserting an article into the agent's reply. Also: no CSP errors."""

import pytest
from playwright.sync_api import expect

from okno.kb.models import Deflection
from okno.kb.tests.factories import published
from okno.tests.personas import PASSWORD
from okno.web.tests.browser.conftest import login, watch_console

pytestmark = pytest.mark.browser


def test_request_form_suggests_articles_and_reading_one_records_a_deflection(
    live_asgi, world, page
):
    published(world.agent_a, "Scanner saves no files", "Check the scanner folder permissions.")
    errors = watch_console(page)
    page.goto(f"{live_asgi}/portal/")
    page.fill("#id_subject", "scanner")
    page.locator("#id_text").press_sequentially("my scanner saves nothing")
    link = page.locator("[data-kb-suggest] a")
    expect(link).to_have_count(1)
    assert "from=request-form" in link.get_attribute("href")
    page.goto(live_asgi + link.get_attribute("href"))
    expect(page.locator("h1")).to_contain_text("Scanner saves no files")
    assert Deflection.objects.count() == 1
    assert errors == []


def test_agent_inserts_an_article_link_and_text_into_the_reply(live_asgi, world, page):
    article = published(
        world.agent_a, "Printer does not print", "Check the printer cable and paper."
    )
    errors = watch_console(page)
    login(page, live_asgi, world.agent_a.email, PASSWORD)
    page.goto(f"{live_asgi}/tickets/{world.ticket_a.number}/")
    card = page.locator("#kb-suggestions")
    expect(card).to_contain_text("does not")
    card.get_by_role("button", name="Insert link").first.click()
    card.get_by_role("button", name="Insert text").first.click()
    body = page.locator("#id_body")
    expect(body).to_have_value(
        f"{live_asgi}/help/en/{article.slug}/\nCheck the printer cable and paper."
    )
    assert errors == []
