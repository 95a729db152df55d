"""WebSocket consumers: authenticated agents only, presence and change fan-out."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator

from okno.core.realtime import broadcast_ticket_events
from okno.core.routing import websocket_urlpatterns
from okno.tickets.models import TicketEvent

app = URLRouter(websocket_urlpatterns)


def communicator(path, user):
    comm = WebsocketCommunicator(app, path)
    comm.scope["user"] = user
    return comm


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_two_agents_see_each_other_on_a_ticket():
    from okno.tests.personas import build_world

    world = await sync_to_async(build_world)()
    number = world.ticket_a.number
    anna = communicator(f"/ws/tickets/{number}/", world.agent_a)
    assert (await anna.connect())[0]
    first = await anna.receive_json_from(timeout=2)
    assert [p["name"] for p in first["people"]] == ["Anna Agent"]

    artem = communicator(f"/ws/tickets/{number}/", world.agent_a2)
    assert (await artem.connect())[0]
    await artem.send_json_to({"type": "typing"})
    seen = None
    for _ in range(4):
        seen = await anna.receive_json_from(timeout=2)
        if any(p["typing"] for p in seen["people"]):
            break
    names = {p["name"]: p["typing"] for p in seen["people"]}
    assert names == {"Anna Agent": False, "Artem Agent": True}
    await anna.disconnect()
    await artem.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_agent_of_another_group_and_anonymous_are_refused():
    from django.contrib.auth.models import AnonymousUser

    from okno.tests.personas import build_world

    world = await sync_to_async(build_world)()
    outsider = communicator(f"/ws/tickets/{world.ticket_a.number}/", world.agent_b)
    assert not (await outsider.connect())[0]
    anonymous = communicator("/ws/tickets/", AnonymousUser())
    assert not (await anonymous.connect())[0]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_ticket_change_reaches_the_list():
    from okno.tests.personas import build_world

    world = await sync_to_async(build_world)()
    listener = communicator("/ws/tickets/", world.agent_a)
    assert (await listener.connect())[0]
    number = world.ticket_b.number
    on_page = communicator(f"/ws/tickets/{number}/", world.agent_b)
    assert (await on_page.connect())[0]
    events = await sync_to_async(lambda: list(TicketEvent.objects.filter(ticket=world.ticket_b)))()
    await sync_to_async(broadcast_ticket_events)(events)
    pushed = await listener.receive_json_from(timeout=2)
    assert pushed["type"] == "ticket.changed" and pushed["ticket"] == number
    for _ in range(4):  # the page also hears who is on it
        seen = await on_page.receive_json_from(timeout=2)
        if seen.get("type") == "ticket.changed":
            break
    assert seen["type"] == "ticket.changed" and seen["ticket"] == number
    await listener.disconnect()
    await on_page.disconnect()
