"""The ticket page in a real browser: typing notice, live refresh, a version
conflict answered in place, keyboard shortcuts, and no CSP errors."""

import re

import pytest
from playwright.sync_api import expect

from okno.tests.personas import PASSWORD
from okno.tickets.models import Message, Priority, Ticket
from okno.web.tests.browser.conftest import login, watch_console

pytestmark = pytest.mark.browser


def real_errors(errors: list[str]) -> list[str]:
    # A 409/422 answer is the page working as designed (the form comes back).
    # Chromium logs such answers as console errors ("409 http://…/update/").
    return [e for e in errors if not re.search(r"\b(409|422)\b", e)]


def open_ticket(new_context, base_url, user, ticket):
    page = new_context().new_page()
    errors = watch_console(page)
    login(page, base_url, user.email, PASSWORD)
    page.goto(f"{base_url}/tickets/{ticket.number}/")
    return page, errors


def test_typing_live_refresh_and_conflict(live_asgi, world, new_context):
    anna, anna_errors = open_ticket(new_context, live_asgi, world.agent_a, world.ticket_a)
    artem, artem_errors = open_ticket(new_context, live_asgi, world.agent_a2, world.ticket_a)
    expect(anna.locator("#ticket-presence")).to_contain_text("Artem Agent")

    artem.locator("#editor textarea").press_sequentially("Checking the printer")
    expect(anna.locator("#ticket-presence")).to_contain_text("typing a reply")

    # Anna starts editing the panel; Artem saves first.
    anna.fill("#panel input[name=tags]", "anna-typed")
    artem.select_option("#panel select[name=priority]", str(Priority.URGENT))
    artem.click("#panel button[type=submit]")
    # Anna's conversation refreshes by itself; her half-typed panel is left alone.
    expect(anna.locator("#conversation")).to_contain_text("Artem Agent changed priority")
    expect(anna.locator("#ticket-changed")).to_be_visible()
    expect(anna.locator("#panel input[name=tags]")).to_have_value("anna-typed")

    anna.click("#panel button[type=submit]")
    expect(anna.locator("#panel .conflict")).to_contain_text("Someone else changed this ticket")
    expect(anna.locator("#panel .conflict")).to_contain_text("to Urgent")
    expect(anna.locator("#panel input[name=tags]")).to_have_value("anna-typed")
    assert Ticket.objects.get(number=world.ticket_a.number).tags.count() == 0

    # Saving again after reading the notice applies her values knowingly.
    anna.click("#panel button[type=submit]")
    expect(anna.locator("#panel .conflict")).to_have_count(0)
    expect(anna.locator("#conversation")).to_contain_text("added tags anna-typed")
    assert real_errors(anna_errors) == [] and real_errors(artem_errors) == []


def test_keyboard_shortcuts_choose_the_tab_and_send(live_asgi, world, new_context):
    page, errors = open_ticket(new_context, live_asgi, world.agent_a, world.ticket_a)
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(page.locator('#editor input[value="note"]')).to_be_checked()
    expect(page.locator("#editor textarea")).to_be_focused()
    page.keyboard.type("Internal: call the vendor")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#conversation .msg-note")).to_contain_text("call the vendor")
    expect(page.locator("#editor textarea")).to_have_value("")
    assert Message.objects.get(body_text="Internal: call the vendor").public is False

    page.locator("h1").click()
    page.keyboard.press("s")
    expect(page.locator("#panel select[name=status]")).to_be_focused()
    assert real_errors(errors) == []
