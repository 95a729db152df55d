"""The telephony connector: signed call events, stored raw first, finding the caller
by number, the card popping up on an agent's socket, and calls logged on tickets."""

import datetime as dt
import json

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client

from okno.channels.messengers import inbound
from okno.channels.messengers.custom import signed_headers
from okno.channels.messengers.phone import ADAPTER, RING_WINDOW
from okno.channels.models import Connector, EnvelopeState, InboundEnvelope
from okno.contacts.models import Contact, Identity
from okno.contacts.services import contact_add_identity
from okno.core.routing import websocket_urlpatterns
from okno.tickets.models import Channel, Ticket
from okno.tickets.services.lifecycle import default_status, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "+79161234567"


@pytest.fixture
def connector(world):
    return Connector.objects.create(
        kind="phone",
        name="Office PBX",
        group=world.group_a,
        options={"extensions": {"101": world.agent_a.email, "102": str(world.agent_a2.pk)}},
    )


def post(connector, payload, *, sign=True, secret=None):
    body = json.dumps(payload).encode()
    headers = {}
    if sign:
        for name, value in signed_headers(secret or connector.secret, body).items():
            headers["HTTP_" + name.upper().replace("-", "_")] = value
    return Client().post(
        f"/hooks/phone/{connector.key}/", body, content_type="application/json", **headers
    )


def call(event, call_id="c-1", caller=NUMBER, **extra):
    return {
        "event": event,
        "call_id": call_id,
        "direction": "inbound",
        "caller": caller,
        "called": "+74951234567",
        **extra,
    }


def test_unsigned_or_forged_events_are_refused_before_parsing(world, connector, caplog):
    assert post(connector, call("call.ended"), sign=False).status_code == 401
    assert post(connector, call("call.ended"), secret="wrong").status_code == 403
    forged_garbage = post(connector, {"not": "an event"}, secret="wrong")
    assert forged_garbage.status_code == 403  # refused before the body was read
    assert InboundEnvelope.objects.count() == 0
    assert not Ticket.objects.filter(channel=Channel.PHONE).exists()
    assert "refused" in caplog.text


def test_events_are_stored_raw_once_per_call_and_kind(world, connector):
    assert post(connector, call("call.started")).status_code == 200
    post(connector, {"events": [call("call.started"), call("call.answered", agent="101")]})
    keys = sorted(InboundEnvelope.objects.values_list("idempotency_key", flat=True))
    assert keys == [
        f"phone:{connector.pk}:c-1:call.answered",
        f"phone:{connector.pk}:c-1:call.started",
    ]
    assert all(
        e.state == EnvelopeState.PROCESSED for e in InboundEnvelope.objects.all()
    )  # a card, no ticket
    assert not Ticket.objects.filter(channel=Channel.PHONE).exists()


def test_an_unknown_event_kind_is_kept_as_failed(world, connector):
    assert post(connector, call("call.exploded")).status_code == 400
    assert InboundEnvelope.objects.get().state == EnvelopeState.FAILED


def test_a_new_caller_becomes_a_contact_and_the_ended_call_a_phone_ticket(world, connector):
    url = "https://pbx.example.com/rec/c-1.mp3?a=1&b=2"
    post(connector, call("call.ended", duration=125, recording_url=url, agent="101"))
    ticket = Ticket.objects.get(channel=Channel.PHONE)
    assert ticket.group == world.group_a
    assert ticket.contact.name == f"Caller {NUMBER}" and ticket.contact.phone == NUMBER
    first = ticket.messages.get()
    assert "Incoming call from +79161234567, 2:05." in first.body_text
    assert "Anna Agent" in first.body_text
    assert 'href="https://pbx.example.com/rec/c-1.mp3?a=1&amp;b=2"' in first.body_html
    envelope = InboundEnvelope.objects.get()
    assert envelope.ticket == ticket and envelope.created_ticket


@pytest.mark.parametrize("written", ["8 916 123-45-67", "+7 (916) 123-45-67", "89161234567"])
def test_a_known_contact_is_found_however_the_number_is_written(world, connector, written):
    contact_add_identity(contact=world.customer_acme, kind="phone", value=NUMBER)
    post(connector, call("call.ended", caller=written, duration=10))
    ticket = Ticket.objects.filter(contact=world.customer_acme).order_by("-number").first()
    assert ticket.number == world.ticket_a.number  # his open ticket took the call
    assert Contact.objects.filter(identities__value=NUMBER).count() == 1


def test_a_number_known_from_whatsapp_finds_its_contact(world, connector):
    Identity.objects.create(contact=world.customer_globex, kind="whatsapp", value=NUMBER)
    post(connector, call("call.ended", duration=3))
    assert Identity.objects.get(kind="phone", value=NUMBER).contact == world.customer_globex


def test_the_call_is_logged_on_the_open_phone_ticket_before_others(world, connector):
    post(connector, call("call.ended", call_id="c-1", duration=30))
    phone_ticket = Ticket.objects.get(channel=Channel.PHONE)
    post(
        connector,
        call(
            "call.ended",
            call_id="c-2",
            duration=61,
            direction="outbound",
            caller="+74951234567",
            called=NUMBER,
        ),
    )
    assert Ticket.objects.filter(channel=Channel.PHONE).count() == 1
    note = phone_ticket.messages.order_by("id").last()
    assert not note.public and note.channel == Channel.PHONE
    assert "Outgoing call to +79161234567, 1:01." in note.body_text


def test_a_recording_that_is_not_http_is_not_a_link(world, connector):
    post(connector, call("call.ended", recording_url='javascript:alert(1)"><b>'))
    message = Ticket.objects.get(channel=Channel.PHONE).messages.get()
    assert "<a" not in message.body_html and "javascript" not in message.body_html


def test_a_solved_ticket_does_not_take_the_call(world, connector):
    contact_add_identity(contact=world.customer_acme, kind="phone", value=NUMBER)
    ticket_update(
        ticket=world.ticket_a, actor=world.agent_a, changes={"status": default_status("solved")}
    )
    post(connector, call("call.ended", duration=5))
    fresh = Ticket.objects.get(channel=Channel.PHONE)
    assert fresh.contact == world.customer_acme and fresh.number != world.ticket_a.number


def test_a_missed_call_makes_one_call_back_ticket(world, connector):
    post(connector, call("call.missed", call_id="c-1"))
    post(connector, call("call.missed", call_id="c-2"))
    ticket = Ticket.objects.get(channel=Channel.PHONE)
    assert ticket.subject == f"Call back {NUMBER}"
    assert list(ticket.tags.values_list("name", flat=True)) == ["callback"]
    assert ticket.messages.count() == 2 and ticket.group == world.group_a
    assert "Missed call from +79161234567." in ticket.messages.order_by("id").last().body_text


def test_an_anonymous_caller_is_ignored(world, connector):
    post(connector, call("call.missed", caller="anonymous"))
    assert InboundEnvelope.objects.get().state == EnvelopeState.IGNORED
    assert not Ticket.objects.filter(channel=Channel.PHONE).exists()


def test_the_call_card_shows_name_organization_and_visible_open_tickets(world, connector):
    contact_add_identity(contact=world.customer_acme, kind="phone", value=NUMBER)
    client = Client()
    client.force_login(world.agent_a)
    page = client.get(
        f"/contacts/{world.customer_acme.pk}/call-card/?number={NUMBER}"
    ).content.decode()
    assert "Incoming call" in page and "Ivan Petrov" in page and "Acme" in page
    assert f"/tickets/{world.ticket_a.number}/" in page
    other = Client()
    other.force_login(world.agent_b)  # group B cannot see group A's ticket
    page = other.get(f"/contacts/{world.customer_acme.pk}/call-card/").content.decode()
    assert f"#{world.ticket_a.number}" not in page and "No open tickets." in page


async def _sockets(*users):
    app = URLRouter(websocket_urlpatterns)
    sockets = []
    for user in users:
        socket = WebsocketCommunicator(app, "/ws/notifications/")
        socket.scope["user"] = user
        assert (await socket.connect())[0]
        sockets.append(socket)
    return sockets


@pytest.mark.asyncio
async def test_a_ringing_call_pops_up_for_the_group_and_an_answered_one_for_its_agent():
    from okno.tests.personas import build_world

    world = await sync_to_async(build_world)()
    connector = await sync_to_async(Connector.objects.create)(
        kind="phone",
        name="PBX",
        group=world.group_a,
        options={"extensions": {"101": "anna@okno.test"}},
    )
    await sync_to_async(contact_add_identity)(
        contact=world.customer_acme, kind="phone", value=NUMBER
    )
    anna, artem, boris = await _sockets(world.agent_a, world.agent_a2, world.agent_b)
    await sync_to_async(post)(connector, call("call.started"))
    for socket in (anna, artem):
        pushed = await socket.receive_json_from(timeout=3)
        assert pushed["type"] == "call" and pushed["event"] == "call.started"
        assert pushed["contact"] == world.customer_acme.pk and pushed["number"] == NUMBER
        assert pushed["card_url"] == f"/contacts/{world.customer_acme.pk}/call-card/"
    assert await boris.receive_nothing(timeout=0.3)  # another group's agent
    await sync_to_async(post)(connector, call("call.answered", agent="101"))
    assert (await anna.receive_json_from(timeout=3))["event"] == "call.answered"
    assert await artem.receive_nothing(timeout=0.3)
    await sync_to_async(post)(connector, call("call.ended", agent="101", duration=9))
    assert (await anna.receive_json_from(timeout=3)) == {
        "type": "call.over",
        "call_id": "c-1",
        "contact": world.customer_acme.pk,
    }
    for socket in (anna, artem, boris):
        await socket.disconnect()


def _stored_long_ago(connector, *events):
    """Events received RING_WINDOW and more ago whose processing failed until now (the
    sweep retries them): stored, not drained."""
    body = json.dumps({"events": list(events)}).encode()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(seconds=RING_WINDOW + 30)):
        inbound.store_items(connector, ADAPTER.split(connector, body))


@pytest.mark.asyncio
async def test_a_ringing_event_retried_long_after_pops_no_card_but_the_call_is_logged():
    from okno.tests.personas import build_world

    world = await sync_to_async(build_world)()
    connector = await sync_to_async(Connector.objects.create)(
        kind="phone", name="PBX", group=world.group_a
    )
    (anna,) = await _sockets(world.agent_a)
    await sync_to_async(_stored_long_ago)(
        connector, call("call.started"), call("call.ended", duration=40)
    )
    await sync_to_async(inbound.drain)(connector.pk)
    pushed = []
    while not await anna.receive_nothing(timeout=0.5):
        pushed.append((await anna.receive_json_from())["type"])
    assert "call.over" in pushed and "call" not in pushed  # the ended call, never a card
    started = await sync_to_async(InboundEnvelope.objects.get)(idempotency_key__endswith="started")
    assert started.state == EnvelopeState.IGNORED
    ticket = await sync_to_async(Ticket.objects.get)(channel=Channel.PHONE)
    body = await sync_to_async(lambda: ticket.messages.get().body_text)()
    assert "Incoming call from +79161234567, 0:40." in body
    await anna.disconnect()
