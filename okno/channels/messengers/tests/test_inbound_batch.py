"""Draining a busy inbox: messages that only append to their chat's open ticket go in
bulk (okno.tickets.services.appends), and end up exactly as one by one would leave
them; everything else keeps its order and its own savepoint."""

import base64
import json

import pytest
from django.db import connection

from okno.channels.messengers.inbound import drain, store_items
from okno.channels.models import Connector, Conversation, EnvelopeState, InboundEnvelope
from okno.tickets.models import Message, StatusCategory, Ticket, TicketEvent
from okno.tickets.search import match_text
from okno.tickets.services.lifecycle import default_status, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connector(world):
    return Connector.objects.create(kind="custom", name="Our app", group=world.group_a)


def store(connector, *messages):
    items = []
    for mid, chat, text, *files in messages:
        item = {"id": mid, "chat_id": chat, "user": {"id": f"u-{chat}"}, "text": text}
        if files:
            item["attachments"] = [
                {"filename": "a.txt", "content_type": "text/plain", "data": files[0]}
            ]
        items.append((mid, json.dumps(item).encode()))
    return store_items(connector, items)


def texts(ticket):
    return list(ticket.messages.order_by("created_at", "id").values_list("body_text", flat=True))


def open_chats(connector, chats):
    store(connector, *[(f"{chat}-0", chat, "Hello") for chat in chats])
    drain(connector.pk)  # new chats: one by one, each opening a ticket
    return {c.external_id: c.ticket for c in Conversation.objects.filter(connector=connector)}


def test_appends_go_in_bulk_and_leave_what_one_by_one_would(
    world, connector, django_assert_max_num_queries
):
    tickets = open_chats(connector, ["a", "b", "c"])
    first = Message.objects.get(ticket=tickets["a"])  # written by ticket_reply's path
    store(connector, *[(f"{c}-{n}", c, f"Toner {c}{n} leaks") for n in (1, 2) for c in "abc"])

    # 17 to drain, 6 for the event handlers (the test queue runs them at once); one by
    # one, the six messages took over 70 before the handlers.
    with django_assert_max_num_queries(25):
        assert drain(connector.pk) == 6

    for chat, ticket in tickets.items():
        ticket.refresh_from_db()
        assert texts(ticket) == ["Hello", f"Toner {chat}1 leaks", f"Toner {chat}2 leaks"]
        assert ticket.message_count == 3 and ticket.state == StatusCategory.NEW
        last = ticket.messages.order_by("created_at", "id").last()
        assert ticket.last_customer_message_at == ticket.updated_at >= last.created_at
        events = TicketEvent.objects.filter(ticket=ticket, kind="message").order_by("id")
        assert [e.data["message"] for e in events][1:] == list(
            ticket.messages.order_by("id").values_list("id", flat=True)
        )[1:]
        assert all(e.actor_contact_id == ticket.contact_id for e in events)
        assert match_text(Ticket.objects.all(), f"toner {chat}2").get() == ticket
    bulk = Message.objects.get(external_id="a-1")
    fields = ("author_kind", "direction", "public", "channel", "author_contact_id", "from_outside")
    assert [getattr(bulk, f) for f in fields] == [getattr(first, f) for f in fields]
    assert bulk.reply_text == bulk.body_text and "Toner a1 leaks" in bulk.body_html
    envelopes = InboundEnvelope.objects.filter(idempotency_key__contains=":a-")
    assert {(e.state, e.ticket_id, e.attempts) for e in envelopes} == {
        (EnvelopeState.PROCESSED, tickets["a"].number, 1)
    }
    assert {e.message.external_id for e in envelopes} == {"a-0", "a-1", "a-2"}


def test_a_chat_with_a_file_in_the_batch_keeps_its_order(world, connector):
    tickets = open_chats(connector, ["a", "b"])
    data = base64.b64encode(b"log").decode()
    store(
        connector,
        ("a-1", "a", "before"),
        ("b-1", "b", "other chat"),
        ("a-2", "a", "the file", data),
        ("a-3", "a", "after"),
    )
    drain(connector.pk)
    assert texts(tickets["a"]) == ["Hello", "before", "the file", "after"]
    assert texts(tickets["b"]) == ["Hello", "other chat"]
    assert Message.objects.get(external_id="a-2").attachments.get().filename == "a.txt"
    assert not InboundEnvelope.objects.exclude(state=EnvelopeState.PROCESSED).exists()


def test_a_solved_ticket_still_reopens_and_an_empty_message_fails_alone(world, connector):
    tickets = open_chats(connector, ["a", "b", "c"])
    solved = default_status("solved")
    ticket_update(ticket=tickets["a"], actor=world.agent_a, changes={"status": solved})
    store(
        connector,
        ("a-1", "a", "still broken"),
        ("b-1", "b", "   "),
        ("b-2", "b", "sorry, this one"),
        ("c-1", "c", "fine"),
        ("c-2", "c", "thanks"),
    )
    drain(connector.pk)
    tickets["a"].refresh_from_db()
    assert tickets["a"].state == StatusCategory.OPEN and texts(tickets["a"])[-1] == "still broken"
    failed = InboundEnvelope.objects.get(state=EnvelopeState.FAILED)
    assert failed.idempotency_key.endswith(":b-1") and "empty" in failed.error
    assert texts(tickets["b"]) == ["Hello", "sorry, this one"]
    assert texts(tickets["c"]) == ["Hello", "fine", "thanks"]


def test_a_message_the_database_refuses_fails_alone_and_the_rest_go_on(world, connector):
    """PostgreSQL cannot store NUL in text: the bulk insert fails, and the batch is
    taken one by one, so only that message fails (SQLite stores it)."""
    tickets = open_chats(connector, ["a", "b"])
    store(connector, ("a-1", "a", "bad \x00 byte"), ("b-1", "b", "ok"), ("b-2", "b", "ok too"))
    drain(connector.pk)
    assert texts(tickets["b"]) == ["Hello", "ok", "ok too"]
    failed = list(InboundEnvelope.objects.filter(state=EnvelopeState.FAILED))
    if connection.vendor == "postgresql":
        assert [e.idempotency_key.rsplit(":", 1)[1] for e in failed] == ["a-1"]
        assert failed[0].attempts == 1
        assert texts(tickets["a"]) == ["Hello"]
    else:
        assert failed == [] and texts(tickets["a"]) == ["Hello", "bad \x00 byte"]
