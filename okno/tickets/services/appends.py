"""Customers' messages appended to their open tickets in bulk: `ticket_reply` for its
commonest case (a customer writing again on a new or open ticket, no files), done for
many messages with one statement per table instead of a dozen per message.

A messenger inbox drains hundreds of messages a second; on PostgreSQL each statement
is a round trip, so this is where processing time goes (okno/channels/messengers/
inbound.py). Anything outside that case (a status to move, a closed ticket, an empty
or too long text) is left to `ticket_reply`: the item comes back as None.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from okno.contacts.models import Contact
from okno.core.errors import ValidationFailed
from okno.core.events import dispatch_after_commit
from okno.tickets.models import (
    AuthorKind,
    Direction,
    Message,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from okno.tickets.search import index_append_many
from okno.tickets.services.events import actor_fields
from okno.tickets.services.lifecycle import _clean_body

# States in which a customer's message moves nothing (ticket_reply reopens the others).
UNMOVED_STATES = (StatusCategory.NEW, StatusCategory.OPEN)


@dataclass
class CustomerMessage:
    ticket_number: int
    contact: Contact
    text: str
    channel: str
    external_id: str = ""


def customer_messages_append(*, items: list[CustomerMessage]) -> list[Message | None]:
    """Each item as its contact's public message on its ticket, exactly as
    `ticket_reply(ticket=..., actor=contact, body_text=text, channel=..., external_id=...)`
    would add it, in the given order; None for an item it leaves to ticket_reply (then
    it leaves every item of that ticket, so their order holds).

    Steps: clean the texts; lock the tickets still new or open, not deleted or merged
    away (one SELECT ... FOR UPDATE: what the caller read may have changed); insert the
    messages, then their "message" events (one INSERT each); move each ticket's
    counters (one UPDATE per distinct count); append the words to the search index;
    dispatch the events after commit."""
    cleaned: list[tuple[str, str] | None] = []
    for item in items:
        try:
            text, html = _clean_body(item.text, "")
        except ValidationFailed:
            text = ""
        cleaned.append((text, html) if text else None)
    # A ticket with an unusable text among its items is left whole, so that its
    # messages keep their order when ticket_reply takes them one by one.
    refused = {item.ticket_number for item, body in zip(items, cleaned, strict=True) if not body}
    wanted = {item.ticket_number for item in items} - refused
    if not wanted:
        return [None] * len(items)
    with transaction.atomic():
        tickets = {
            t.number: t
            for t in Ticket.objects.select_for_update()
            .filter(
                number__in=sorted(wanted),
                state__in=UNMOVED_STATES,
                is_deleted=False,
                merged_into__isnull=True,
            )
            .only("number", "channel", "version")
        }
        taken = [
            (item, body)
            for item, body in zip(items, cleaned, strict=True)
            if item.ticket_number in tickets
        ]
        if not taken:
            return [None] * len(items)
        messages = _insert_messages(taken, tickets)
        _insert_events(messages, tickets)
        _touch_counters(messages)
        index_append_many([(m.ticket_id, m.body_text) for m in messages])
    by_item = iter(messages)
    return [next(by_item) if item.ticket_number in tickets else None for item in items]


def _insert_messages(taken, tickets: dict[int, Ticket]) -> list[Message]:
    messages = []
    for item, (text, html) in taken:
        messages.append(
            Message(
                ticket_id=item.ticket_number,
                author_kind=AuthorKind.CONTACT,
                direction=Direction.IN,
                public=True,
                channel=item.channel or tickets[item.ticket_number].channel,
                author_contact=item.contact,
                body_text=text,
                body_html=html,
                reply_text=text,
                external_id=item.external_id[:255],
                created_at=timezone.now(),  # distinct times keep a burst in order
            )
        )
    return Message.objects.bulk_create(messages)


def _insert_events(messages: list[Message], tickets: dict[int, Ticket]) -> None:
    events = TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket_id=message.ticket_id,
            kind="message",
            data={
                "message": message.pk,
                "direction": Direction.IN,
                "author_kind": AuthorKind.CONTACT,
                "attachments": [],
            },
            version=tickets[message.ticket_id].version,
            **actor_fields(message.author_contact),
        )
        for message in messages
    )
    dispatch_after_commit([e.id for e in events])


def _touch_counters(messages: list[Message]) -> None:
    """message_count += n and the last message's time, per ticket; tickets that got
    the same number of messages share one UPDATE (the time is the batch's last: the
    messages' own times differ by microseconds)."""
    when = max(m.created_at for m in messages)
    by_count: dict[int, list[int]] = {}
    for number, count in Counter(m.ticket_id for m in messages).items():
        by_count.setdefault(count, []).append(number)
    for count, numbers in by_count.items():
        Ticket.objects.filter(number__in=numbers).update(
            message_count=F("message_count") + count,
            updated_at=when,
            last_customer_message_at=when,
        )
