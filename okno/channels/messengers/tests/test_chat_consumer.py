"""The live chat's WebSockets: origin refusal, messages with acks and duplicates,
agents' replies pushed live (and their pending emails dropped), typing both ways,
agents' presence."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator

from okno.channels.messengers import chat
from okno.channels.models import Connector, Delivery
from okno.core.realtime import ticket_group
from okno.core.routing import websocket_urlpatterns
from okno.tickets.models import Channel, Ticket
from okno.tickets.services import ticket_reply

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SHOP = "https://shop.example"
app = URLRouter(websocket_urlpatterns)


@pytest.fixture
def world_and_connector():
    from okno.tests.personas import build_world

    def make():
        world = build_world()
        connector = Connector.objects.create(
            kind="chat", name="Site chat", group=world.group_a, options={"origins": [SHOP]}
        )
        token, _visitor = chat.new_visitor_token(connector)
        return world, connector, token

    return sync_to_async(make)


def visitor_socket(token, origin=SHOP):
    headers = [(b"origin", origin.encode())] if origin else []
    return WebsocketCommunicator(app, f"/ws/chat/{token}/", headers=headers)


async def next_of(comm, kind, tries=6):
    for _ in range(tries):
        data = await comm.receive_json_from(timeout=3)
        if data.get("type") == kind:
            return data
    raise AssertionError(f"no {kind!r} message")


async def test_a_socket_from_another_origin_or_with_a_forged_token_is_refused(
    world_and_connector,
):
    _world, _connector, token = await world_and_connector()
    for comm in (
        visitor_socket(token, "https://evil.example"),
        visitor_socket(token, ""),
        visitor_socket(token[:-2] + "xx"),
    ):
        connected, _code = await comm.connect()
        assert not connected


async def test_messages_are_acknowledged_and_a_resend_is_not_duplicated(world_and_connector):
    _world, _connector, token = await world_and_connector()
    comm = visitor_socket(token)
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "message", "id": "ws-000001", "text": "Hi there"})
    ack = await next_of(comm, "ack")
    assert ack == {"type": "ack", "id": "ws-000001", "duplicate": False}
    await comm.send_json_to({"type": "message", "id": "ws-000001", "text": "Hi there"})
    assert (await next_of(comm, "ack"))["duplicate"] is True
    await comm.send_json_to({"type": "message", "id": "short", "text": "bad id"})
    assert (await next_of(comm, "error"))["error"] == "bad id"
    texts = await sync_to_async(
        lambda: [m.body_text for m in Ticket.objects.get(channel=Channel.CHAT).messages.all()]
    )()
    assert texts == ["Hi there"]
    await comm.disconnect()


async def test_the_agent_reply_arrives_live_and_its_email_is_dropped(world_and_connector):
    world, _connector, token = await world_and_connector()
    comm = visitor_socket(token)
    assert (await comm.connect())[0]
    await comm.send_json_to(
        {"type": "message", "id": "ws-000001", "text": "Hello", "email": "ann@shop.example"}
    )
    await next_of(comm, "ack")
    ticket = await sync_to_async(Ticket.objects.get)(channel=Channel.CHAT)
    reply = await sync_to_async(ticket_reply)(
        ticket=ticket, actor=world.agent_a, body_text="<b>Hi</b> from support"
    )
    pushed = await next_of(comm, "message")
    assert pushed["message"]["text"] == "<b>Hi</b> from support"
    assert pushed["message"]["from"] == "agent" and pushed["message"]["id"] == reply.pk
    # The socket showed it: the email continuation waiting for it is gone.
    await comm.receive_nothing(timeout=0.5)
    assert not await sync_to_async(Delivery.objects.filter(message=reply, channel="email").exists)()
    await comm.disconnect()


async def test_typing_goes_both_ways_without_names(world_and_connector):
    world, _connector, token = await world_and_connector()
    comm = visitor_socket(token)
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "message", "id": "ws-000001", "text": "Hello"})
    await next_of(comm, "ack")
    ticket = await sync_to_async(Ticket.objects.get)(channel=Channel.CHAT)

    agent = WebsocketCommunicator(app, f"/ws/tickets/{ticket.number}/")
    agent.scope["user"] = world.agent_a
    assert (await agent.connect())[0]
    await next_of(agent, "presence")
    await agent.send_json_to({"type": "typing"})
    typing = await next_of(comm, "typing")
    assert typing == {"type": "typing", "typing": True}  # no agent names

    await comm.send_json_to({"type": "typing", "typing": True})
    seen = await next_of(agent, "visitor.typing")
    assert seen["typing"] is True
    await agent.disconnect()
    await comm.disconnect()


async def test_the_sync_message_returns_what_was_missed(world_and_connector):
    world, connector, token = await world_and_connector()
    comm = visitor_socket(token)
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "message", "id": "ws-000001", "text": "Hello"})
    await next_of(comm, "ack")
    await comm.disconnect()
    ticket = await sync_to_async(Ticket.objects.get)(channel=Channel.CHAT)
    await sync_to_async(ticket_reply)(ticket=ticket, actor=world.agent_a, body_text="While away")
    again = visitor_socket(token)
    assert (await again.connect())[0]
    await again.send_json_to({"type": "sync", "after": 0})
    synced = await next_of(again, "sync")
    assert [m["text"] for m in synced["messages"]] == ["Hello", "While away"]
    await again.disconnect()


async def test_an_agent_page_socket_makes_the_agent_online(world_and_connector):
    from django.contrib.auth.models import AnonymousUser

    world, connector, _token = await world_and_connector()
    assert not await sync_to_async(chat.agents_online)(connector)
    anonymous = WebsocketCommunicator(app, "/ws/chat/agent/")
    anonymous.scope["user"] = AnonymousUser()
    assert not (await anonymous.connect())[0]
    assert not await sync_to_async(chat.agents_online)(connector)
    page = WebsocketCommunicator(app, "/ws/chat/agent/")
    page.scope["user"] = world.agent_a2
    assert (await page.connect())[0]
    assert await sync_to_async(chat.agents_online)(connector)
    await page.disconnect()


async def test_the_visitor_group_only_takes_its_own_visitor(world_and_connector):
    _world, connector, token = await world_and_connector()
    comm = visitor_socket(token)
    assert (await comm.connect())[0]
    other_token, other = await sync_to_async(chat.new_visitor_token)(connector)
    layer = get_channel_layer()
    await layer.group_send(
        chat.visitor_group(connector.pk, other),
        {"type": "okno.push", "payload": {"type": "message", "message": {"id": 1}}},
    )
    assert await comm.receive_nothing(timeout=0.3)
    await layer.group_send(ticket_group(999999), {"type": "okno.push", "payload": {}})
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()
