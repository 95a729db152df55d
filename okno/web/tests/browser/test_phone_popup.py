"""A phone call pops the caller's card on an agent's open page, in a real browser:
the PBX's signed webhook goes to the live server, the card arrives over the
agent's socket and is fetched through the permission-checked view (no CSP errors)."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from okno.channels.messengers.custom import signed_headers
from okno.channels.models import Connector
from okno.contacts.services import contact_add_identity
from okno.tests.personas import PASSWORD
from okno.web.tests.browser.conftest import login, watch_console

pytestmark = pytest.mark.browser


def pbx_event(base_url, connector, payload):
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{base_url}/hooks/phone/{connector.key}/",
        data=body,
        headers={"Content-Type": "application/json", **signed_headers(connector.secret, body)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        assert answer.status == 200


def test_a_ringing_call_pops_the_callers_card(live_asgi, world, new_context):
    contact_add_identity(contact=world.customer_acme, kind="phone", value="+79161234567")
    connector = Connector.objects.create(kind="phone", name="PBX", group=world.group_a)
    page = new_context().new_page()
    errors = watch_console(page)
    login(page, live_asgi, world.agent_a.email, PASSWORD)
    page.goto(f"{live_asgi}/tickets/")
    expect(page.locator("#call-cards[data-connected='1']")).to_have_count(1)

    call = {"call_id": "c-77", "direction": "inbound", "caller": "8 916 123-45-67"}
    pbx_event(live_asgi, connector, {"event": "call.started", **call})
    card = page.locator(".call-card[data-call='c-77']")
    expect(card).to_contain_text("Incoming call")
    expect(card).to_contain_text("Ivan Petrov")
    expect(card).to_contain_text("Acme")
    expect(card.locator(f"a[href='/tickets/{world.ticket_a.number}/']")).to_contain_text(
        "Printer does not print"
    )

    pbx_event(live_asgi, connector, {"event": "call.ended", "duration": 42, **call})
    expect(card).to_contain_text("Call ended")
    card.locator(".call-card-close").click()
    expect(card).to_have_count(0)
    assert errors == []
