"""The JSON documents webhooks send (documented in docs/webhooks.md; keep stable).

Every payload: {"id", "event", "created_at", "ticket", "changes", "actor"}, plus
"message" for message and note events and "sla" for SLA events. New keys may be
added; existing keys keep their meaning and type.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from okno.tickets.models import Message, Priority, Ticket


def ticket_queryset():
    return Ticket.objects.select_related("status", "group", "assignee", "contact", "category")


def ticket_data(ticket: Ticket) -> dict:
    contact = ticket.contact
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status.name,
        "state": ticket.state,
        "priority": Priority(ticket.priority).name.lower(),
        "category": ticket.category.name if ticket.category_id else None,
        "group": {"id": ticket.group.pk, "name": ticket.group.name} if ticket.group_id else None,
        "assignee": (
            {"id": ticket.assignee.pk, "name": ticket.assignee.name, "email": ticket.assignee.email}
            if ticket.assignee_id
            else None
        ),
        "contact": {
            "id": contact.pk,
            "email": contact.email or None,
            "name": contact.display_name,
        },
        "tags": sorted(ticket.tags.values_list("name", flat=True)),
        "channel": ticket.channel,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "url": settings.BASE_URL + reverse("web:ticket", args=[ticket.number]),
    }


def message_data(message: Message) -> dict:
    return {
        "id": message.pk,
        "public": message.public,
        "direction": message.direction,
        "author": {
            "type": message.author_kind,
            "name": message.author_name,
            "email": _author_email(message),
        },
        "channel": message.channel,
        "text": message.body_text,
        "html": message.body_html,  # sanitized when stored
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
        "created_at": message.created_at.isoformat(),
    }


def _author_email(message: Message) -> str | None:
    if message.author_user_id:
        return message.author_user.email
    if message.author_contact_id:
        return message.author_contact.email or None
    return None


def build(
    *,
    delivery_id: str,
    event: str,
    ticket: Ticket | None,
    changes=None,
    message: Message | None = None,
    actor: dict | None = None,
    extra: dict | None = None,
) -> dict:
    payload = {
        "id": delivery_id,
        "event": event,
        "created_at": timezone.now().isoformat(),
        "ticket": ticket_data(ticket) if ticket is not None else None,
        "changes": list(changes or []),
        "actor": actor or None,
    }
    if message is not None:
        payload["message"] = message_data(message)
    payload.update(extra or {})
    return payload


def encode(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
