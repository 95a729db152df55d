"""Bulk customer appends: what ticket_reply would write, for the tickets it may take."""

import pytest

from okno.tickets.models import StatusCategory, Ticket, TicketEvent
from okno.tickets.services import ticket_reply
from okno.tickets.services.appends import CustomerMessage, customer_messages_append
from okno.tickets.services.lifecycle import default_status, ticket_update

pytestmark = pytest.mark.django_db


def item(ticket, text, external_id=""):
    return CustomerMessage(
        ticket_number=ticket.number,
        contact=ticket.contact,
        text=text,
        channel="custom",
        external_id=external_id,
    )


def test_open_tickets_get_the_messages_and_others_are_left_whole(world):
    ticket_update(
        ticket=world.ticket_b, actor=world.agent_b, changes={"status": default_status("solved")}
    )
    before_b = Ticket.objects.get(number=world.ticket_b.number)
    events_before = TicketEvent.objects.count()
    result = customer_messages_append(
        items=[
            item(world.ticket_a, "first", "x1"),
            item(world.ticket_b, "to a solved ticket"),
            item(world.ticket_a, "second", "x2"),
        ]
    )
    assert result[1] is None
    assert [m.body_text for m in (result[0], result[2])] == ["first", "second"]
    assert [m.external_id for m in (result[0], result[2])] == ["x1", "x2"]
    a = Ticket.objects.get(number=world.ticket_a.number)
    assert a.message_count == world.ticket_a.message_count + 2
    assert a.last_customer_message_at == a.updated_at == result[2].created_at
    events = TicketEvent.objects.order_by("id")[events_before:]
    assert [(e.ticket_id, e.kind, e.data["message"]) for e in events] == [
        (a.number, "message", result[0].pk),
        (a.number, "message", result[2].pk),
    ]
    b = Ticket.objects.get(number=world.ticket_b.number)
    assert (b.message_count, b.updated_at) == (before_b.message_count, before_b.updated_at)
    # ticket_reply takes the one left, and reopens the ticket as it always did.
    ticket_reply(ticket=b, actor=b.contact, body_text="to a solved ticket")
    b.refresh_from_db()
    assert b.state == StatusCategory.OPEN


def test_a_ticket_with_an_empty_text_among_its_items_is_left_whole(world):
    result = customer_messages_append(
        items=[
            item(world.ticket_a, "fine"),
            item(world.ticket_a, "   "),
            item(world.ticket_b, "other"),
        ]
    )
    assert result[:2] == [None, None] and result[2].body_text == "other"
    assert Ticket.objects.get(number=world.ticket_a.number).message_count == (
        world.ticket_a.message_count
    )
