"""Ticket use cases. Every entry point (UI, portal, API, channels, automation, CLI)
calls these; they validate, change the data, write the history and schedule the
follow-ups after commit."""

from okno.tickets.services.attachments import AttachmentInput, attachment_store
from okno.tickets.services.lifecycle import (
    TicketChanges,
    ticket_bulk_update,
    ticket_create,
    ticket_delete,
    ticket_mark_viewed,
    ticket_open,
    ticket_reply,
    ticket_update,
)
from okno.tickets.services.structure import ticket_link, ticket_merge, ticket_split, ticket_unlink

__all__ = [
    "TicketChanges",
    "AttachmentInput",
    "attachment_store",
    "ticket_bulk_update",
    "ticket_create",
    "ticket_delete",
    "ticket_link",
    "ticket_mark_viewed",
    "ticket_merge",
    "ticket_open",
    "ticket_reply",
    "ticket_split",
    "ticket_unlink",
    "ticket_update",
]
