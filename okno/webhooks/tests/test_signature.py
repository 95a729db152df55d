"""Signed deliveries checked by a real receiver with the scheme of docs/webhooks.md."""

import hashlib
import hmac
import json
import time

from okno.tickets.services import ticket_create, ticket_reply, ticket_update
from okno.webhooks.models import Delivery, DeliveryState


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/webhooks.md shows it (written independently)."""
    timestamp = headers["X-Okno-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest("sha256=" + expected, headers["X-Okno-Signature"])


def test_a_new_ticket_reaches_the_receiver_signed(world, receiver, subscribe, committed):
    sub, secret = subscribe(["ticket.created", "message.created"])
    with committed():
        ticket = ticket_create(
            actor=world.customer_acme, subject="VPN is down", body_text="No VPN since 9:00."
        )
    assert len(receiver.requests) == 2
    by_event = {r["headers"]["X-Okno-Event"]: r for r in receiver.requests}
    created = by_event["ticket.created"]
    assert verify(secret, created["headers"], created["body"])
    payload = json.loads(created["body"])
    delivery = Delivery.objects.get(event="ticket.created")
    assert payload["id"] == str(delivery.uuid) == created["headers"]["X-Okno-Delivery"]
    assert payload["event"] == "ticket.created"
    assert payload["ticket"]["number"] == ticket.number
    assert payload["ticket"]["subject"] == "VPN is down"
    assert payload["ticket"]["state"] == "new"
    assert payload["ticket"]["priority"] == "normal"
    assert payload["ticket"]["contact"] == {
        "id": world.customer_acme.pk,
        "email": "ivan@acme.test",
        "name": "Ivan Petrov",
    }
    assert payload["ticket"]["url"].endswith(f"/tickets/{ticket.number}/")
    message = json.loads(by_event["message.created"]["body"])["message"]
    assert message["text"] == "No VPN since 9:00." and message["public"] is True
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.status_code == 200
    assert delivery.attempt == 1 and delivery.response_body == "ok"


def test_a_wrong_secret_or_an_old_timestamp_fails_verification(
    world, receiver, subscribe, committed
):
    _sub, secret = subscribe()
    with committed():
        ticket_create(actor=world.customer_acme, subject="Hi", body_text="Hello")
    request = receiver.requests[0]
    assert verify(secret, request["headers"], request["body"])
    assert not verify("whsec_wrong", request["headers"], request["body"])
    assert not verify(secret, request["headers"], request["body"] + b" ")
    old = {**request["headers"], "X-Okno-Timestamp": str(int(time.time()) - 3600)}
    assert not verify(secret, old, request["body"])


def test_changes_come_in_one_delivery_per_event(world, receiver, subscribe, committed):
    subscribe(["ticket.updated", "ticket.status_changed", "ticket.assigned"])
    from okno.tickets.models import Status

    solved = Status.objects.get(category="solved", is_default=True)
    with committed():
        ticket_update(
            ticket=world.ticket_a,
            actor=world.agent_a,
            changes={"assignee": world.agent_a, "priority": 3, "status": solved},
        )
    events = sorted(p["event"] for p in receiver.payloads())
    assert events == ["ticket.assigned", "ticket.status_changed", "ticket.updated"]
    updated = next(p for p in receiver.payloads() if p["event"] == "ticket.updated")
    assert {c["field"] for c in updated["changes"]} == {"assignee", "priority", "status"}
    assert updated["actor"]["type"] == "user" and updated["actor"]["id"] == world.agent_a.pk
    assert updated["ticket"]["assignee"]["email"] == "anna@okno.test"


def test_internal_notes_only_reach_subscriptions_that_include_them(
    world, receiver, subscribe, committed
):
    subscribe(["message.created"], name="public only")
    subscribe(["message.created"], name="with notes", include_internal=True)
    with committed():
        ticket_reply(
            ticket=world.ticket_a, actor=world.agent_a, body_text="Secret plan", public=False
        )
    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    assert delivery.subscription.name == "with notes"
    assert receiver.payloads()[0]["message"]["public"] is False


def test_a_handler_run_twice_sends_each_event_once(world, receiver, subscribe, committed):
    from okno.tickets.models import TicketEvent
    from okno.webhooks.handlers import on_ticket_events

    subscribe()
    with committed():
        ticket_create(actor=world.customer_acme, subject="Once", body_text="x")
    events = list(TicketEvent.objects.filter(kind="created", ticket__subject="Once"))
    on_ticket_events(events)
    assert len(receiver.requests) == 1
