"""Opening many tickets at once, for an archive import (see channels/email/batch.py).

`ticket_prepare` checks one ticket as `ticket_open` would (so that a bad one fails
alone, before anything is written); `tickets_open_bulk` then writes the rows
`ticket_open` writes for each — ticket, first message, attachments, followers, the
"created" and "message" events — for the whole list in a few INSERTs, and dispatches
the events after commit like every service.

Only what an archive needs is taken: a customer's first message, no assignee, tags,
custom fields, parent or idempotency key (use `ticket_open` for those).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from okno.accounts.models import Group
from okno.contacts.models import Contact
from okno.core.errors import ValidationFailed
from okno.core.events import dispatch_after_commit
from okno.tickets.models import (
    Attachment,
    AuthorKind,
    Category,
    Direction,
    Message,
    Priority,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from okno.tickets.search import index_new_ticket
from okno.tickets.services.attachments import (
    AttachmentInput,
    attachment_prepare,
    validate_attachments,
)
from okno.tickets.services.events import actor_fields
from okno.tickets.services.lifecycle import _clean_body, _clean_subject, default_status


@dataclass
class NewTicket:
    """One ticket to open, checked (see `ticket_prepare`)."""

    contact: Contact
    subject: str
    body_text: str
    body_html: str
    reply_text: str
    channel: str
    group: Group | None = None
    priority: int = Priority.NORMAL
    category: Category | None = None
    attachments: list[AttachmentInput] = field(default_factory=list)
    followers: list[Contact] = field(default_factory=list)
    external_id: str = ""
    created_at: dt.datetime | None = None
    message_event_data: dict = field(default_factory=dict)


def ticket_prepare(*, contact: Contact, subject: str, body_text: str, body_html: str, **rest):
    """A `NewTicket` from a customer, cleaned and checked; raises ValidationFailed."""
    subject = _clean_subject(subject)
    body_text, body_html = _clean_body(body_text, body_html)
    item = NewTicket(
        contact=contact, subject=subject, body_text=body_text, body_html=body_html, **rest
    )
    item.attachments = list(item.attachments)
    validate_attachments(item.attachments)
    if item.priority not in Priority.values:
        raise ValidationFailed("Unknown priority.", field="priority")
    return item


def tickets_open_bulk(items: list[NewTicket]) -> list[tuple[Ticket, Message]]:
    """Open every ticket of `items` (from its contact), in order; (ticket, message)."""
    if not items:
        return []
    now = timezone.now()
    with transaction.atomic():
        status = default_status(StatusCategory.NEW)
        tickets = Ticket.objects.bulk_create(
            [_ticket(item, status, item.created_at or now) for item in items]
        )
        through = Ticket.followers.through
        through.objects.bulk_create(
            [
                through(ticket_id=ticket.number, contact_id=follower.pk)
                for ticket, item in zip(tickets, items, strict=True)
                for follower in {f.pk: f for f in item.followers}.values()
                if follower.pk != item.contact.pk
            ]
        )
        messages = Message.objects.bulk_create(
            [_message(t, item, t.created_at) for t, item in zip(tickets, items, strict=True)]
        )
        names = _store_attachments(messages, items)
        events = TicketEvent.objects.bulk_create(
            [
                event
                for ticket, message, item, stored in zip(
                    tickets, messages, items, names, strict=True
                )
                for event in _events(ticket, message, item, status, stored)
            ]
        )
        for ticket, item in zip(tickets, items, strict=True):
            ticket.contact = item.contact
            index_new_ticket(ticket, [item.body_text])
        dispatch_after_commit([e.id for e in events])
    return list(zip(tickets, messages, strict=True))


def _ticket(item: NewTicket, status, when: dt.datetime) -> Ticket:
    return Ticket(
        subject=item.subject,
        status=status,
        state=status.category,
        priority=item.priority,
        category=item.category,
        group=item.group,
        contact=item.contact,
        organization_id=item.contact.organization_id,
        channel=item.channel,
        custom_fields={},
        created_at=when,
        updated_at=when,
        message_count=1,
        last_customer_message_at=when,
    )


def _message(ticket: Ticket, item: NewTicket, when: dt.datetime) -> Message:
    return Message(
        ticket=ticket,
        author_kind=AuthorKind.CONTACT,
        direction=Direction.IN,
        public=True,
        channel=item.channel,
        author_contact=item.contact,
        body_text=item.body_text,
        body_html=item.body_html,
        reply_text=item.reply_text or item.body_text,
        external_id=item.external_id[:255],
        created_at=when,
    )


def _store_attachments(messages: list[Message], items: list[NewTicket]) -> list[list[str]]:
    rows = [
        [attachment_prepare(message=message, item=a) for a in item.attachments]
        for message, item in zip(messages, items, strict=True)
    ]
    Attachment.objects.bulk_create([row for per_message in rows for row in per_message])
    return [[a.filename for a in per_message] for per_message in rows]


def _events(ticket, message, item: NewTicket, status, attachments: list[str]) -> list[TicketEvent]:
    """What `ticket_open` records for a customer's new ticket: "created", "message"."""
    actor = actor_fields(item.contact)
    created = {
        "subject": item.subject,
        "channel": item.channel,
        "status": status.name,
        "priority": Priority(item.priority).name.lower(),
        "group": item.group.name if item.group else None,
        "assignee": None,
        "tags": [],
    }
    said = {
        "message": message.pk,
        "direction": Direction.IN,
        "author_kind": AuthorKind.CONTACT,
        "attachments": attachments,
        **item.message_event_data,
    }
    return [
        TicketEvent(ticket_id=ticket.number, kind="created", data=created, version=1, **actor),
        TicketEvent(ticket_id=ticket.number, kind="message", data=said, version=1, **actor),
    ]
