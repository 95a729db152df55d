"""The custom channel against a simulated company app: the shared messenger pipeline
end to end (webhook, signature, raw store, conversation, ticket, reply, retries)."""

import base64
import json

import pytest
from django.test import Client

from okno.channels.messengers.custom import signed_headers
from okno.channels.messengers.tests.simulator import Call, Reply, Simulator
from okno.channels.models import (
    Connector,
    Conversation,
    Delivery,
    DeliveryStatus,
    EnvelopeState,
    InboundEnvelope,
)
from okno.channels.outbound.delivery import delivery_attempt
from okno.contacts.models import Identity, MergeSuggestion
from okno.tickets.models import Channel, DeliveryState, LinkKind, StatusCategory, Ticket
from okno.tickets.services import ticket_reply
from okno.tickets.services.lifecycle import default_status, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)


class AppSimulator(Simulator):
    """The company's app: takes POST /messages, answers with its own id."""

    def handle(self, call: Call):
        if call.method == "POST" and call.path == "/messages":
            return Reply(200, {"id": f"app-{len(self.calls)}"})
        return None


@pytest.fixture
def app():
    with AppSimulator() as simulator:
        yield simulator


@pytest.fixture
def connector(world, app):
    return Connector.objects.create(
        kind="custom", name="Our app", group=world.group_a, base_url=app.url
    )


def post(connector, payload, *, sign=True, secret=None, client=None):
    body = json.dumps(payload).encode()
    headers = {}
    if sign:
        for name, value in signed_headers(secret or connector.secret, body).items():
            headers["HTTP_" + name.upper().replace("-", "_")] = value
    return (client or Client()).post(
        f"/hooks/custom/{connector.key}/", body, content_type="application/json", **headers
    )


def message(mid, text="Hello", chat="chat-1", **extra):
    return {
        "id": mid,
        "chat_id": chat,
        "user": {"id": "u1", "name": "Ann Lee"},
        "text": text,
        **extra,
    }


def test_a_message_opens_a_ticket_in_the_connector_group(world, connector):
    response = post(connector, {"messages": [message("m1", "Printer is on fire\nsecond line")]})
    assert response.status_code == 200
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    assert ticket.subject == "Printer is on fire"
    assert ticket.group == world.group_a
    assert ticket.contact.name == "Ann Lee"
    first = ticket.messages.get()
    assert first.external_id == "m1" and first.channel == Channel.CUSTOM
    envelope = InboundEnvelope.objects.get(connector=connector)
    assert envelope.state == EnvelopeState.PROCESSED and envelope.ticket == ticket
    assert json.loads(envelope.raw_bytes())["text"].startswith("Printer")


def test_the_chat_continues_in_its_open_ticket_and_duplicates_are_dropped(world, connector):
    post(connector, {"messages": [message("m1")]})
    post(connector, {"messages": [message("m2", "More details"), message("m1")]})
    post(connector, {"messages": [message("m2", "More details")]})  # a provider retry
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    assert [m.body_text for m in ticket.messages.order_by("id")] == ["Hello", "More details"]
    assert InboundEnvelope.objects.filter(connector=connector).count() == 2


def test_forged_or_unsigned_webhooks_are_refused_and_nothing_is_stored(world, connector, caplog):
    assert post(connector, {"messages": [message("m1")]}, sign=False).status_code == 401
    assert post(connector, {"messages": [message("m1")]}, secret="wrong").status_code == 403
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.CUSTOM).exists()
    assert "refused" in caplog.text


def test_an_unknown_or_disabled_connector_is_not_found(world, connector):
    connector.active = False
    connector.save()
    assert post(connector, {"messages": [message("m1")]}).status_code == 404
    assert (
        Client().post("/hooks/custom/nope/", b"{}", content_type="application/json").status_code
        == 404
    )


def test_a_signed_but_unreadable_body_is_kept_as_failed(world, connector):
    response = post(connector, {"messages": [{"text": "no ids"}]})
    assert response.status_code == 400
    envelope = InboundEnvelope.objects.get()
    assert envelope.state == EnvelopeState.FAILED and "id" in envelope.error
    assert not Ticket.objects.filter(channel=Channel.CUSTOM).exists()


def test_attachments_and_identities_reach_the_contact(world, connector):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 64).decode()
    payload = message(
        "m1",
        "Screenshot attached",
        user={"id": "u1", "name": "Ann", "email": "ann@example.com", "phone": "+79161234567"},
        attachments=[{"filename": "shot.png", "content_type": "image/png", "data": png}],
    )
    post(connector, {"messages": [payload]})
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    assert ticket.messages.get().attachments.get().filename == "shot.png"
    kinds = set(Identity.objects.filter(contact=ticket.contact).values_list("kind", "value"))
    assert ("email", "ann@example.com") in kinds and ("phone", "+79161234567") in kinds


def test_an_email_already_known_suggests_a_merge(world, connector):
    existing = world.customer_acme
    payload = message("m1", user={"id": "u9", "name": "Someone", "email": existing.email})
    post(connector, {"messages": [payload]})
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    assert ticket.contact != existing  # merging is a person's call
    suggestion = MergeSuggestion.objects.get()
    assert {suggestion.contact_id, suggestion.other_id} == {ticket.contact_id, existing.pk}


def test_the_agent_reply_goes_back_signed_and_is_marked_sent(world, connector, app):
    post(connector, {"messages": [message("m1")]})
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="We are on it")
    sent = app.calls_to("/messages")
    assert len(sent) == 1
    assert sent[0].json()["chat_id"] == "chat-1" and sent[0].json()["text"] == "We are on it"
    assert sent[0].headers["X-Okno-Signature"].startswith("sha256=")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and reply.external_id.startswith("app-")


def test_a_rate_limited_reply_retries_after_the_wait_and_is_never_lost(world, connector, app):
    post(connector, {"messages": [message("m1")]})
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    app.fail_next(Reply(429, {"error": "slow down"}, {"Retry-After": "600"}))
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    delivery = Delivery.objects.get(message=reply)
    assert delivery.status == DeliveryStatus.RETRYING
    assert reply.delivery_state == DeliveryState.RETRYING and "429" in reply.delivery_error
    assert (delivery.next_attempt_at - delivery.created_at).total_seconds() >= 590
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    delivery_attempt(delivery.pk)
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT
    assert len(app.calls_to("/messages")) == 2


def test_a_blocked_user_fails_the_reply_and_marks_the_chat(world, connector, app):
    post(connector, {"messages": [message("m1")]})
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    app.fail_next(Reply(410, {"error": "user blocked the app"}))
    reply = ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Answer")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.FAILED and reply.delivery_error
    assert Conversation.objects.get().blocked
    assert ticket.events.filter(kind="delivery_failed").exists()


def test_a_solved_ticket_reopens_within_the_window_and_a_closed_one_gets_a_follow_up(
    world, connector
):
    post(connector, {"messages": [message("m1")]})
    ticket = Ticket.objects.get(channel=Channel.CUSTOM)
    ticket_update(ticket=ticket, actor=world.agent_a, changes={"status": default_status("solved")})
    post(connector, {"messages": [message("m2", "Still broken")]})
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN and ticket.messages.count() == 2
    ticket_update(ticket=ticket, actor=world.agent_a, changes={"status": default_status("closed")})
    post(connector, {"messages": [message("m3", "New problem")]})
    newer = Ticket.objects.exclude(number=ticket.number).get(channel=Channel.CUSTOM)
    assert newer.subject == "New problem"
    assert newer.links_out.filter(target=ticket, kind=LinkKind.FOLLOW_UP).exists()
    assert Conversation.objects.get().ticket == newer


def test_ids_longer_than_the_limit_are_refused_not_cut(world, connector):
    response = post(connector, {"messages": [message("m" * 201)]})
    assert response.status_code == 400
    assert not Ticket.objects.filter(channel=Channel.CUSTOM).exists()
    assert InboundEnvelope.objects.get().state == EnvelopeState.FAILED
