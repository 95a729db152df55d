"""Which webhook events a batch of committed ticket events makes.

One service call can write several TicketEvent rows (a status and a priority
change, a reply and its status change); per ticket and batch they become at most
one delivery per webhook event name, with every field change in "changes".
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# The public event names (documented in docs/webhooks.md; stable).
EVENTS = {
    "ticket.created": _("Ticket created"),
    "ticket.updated": _("Ticket fields changed"),
    "ticket.status_changed": _("Ticket status changed"),
    "ticket.assigned": _("Ticket assigned"),
    "ticket.merged": _("Ticket merged into another"),
    "ticket.deleted": _("Ticket deleted"),
    "message.created": _("Public message (customer message or agent reply)"),
    "note.created": _("Internal note added"),
    "sla.warning": _("SLA warning"),
    "sla.breach": _("SLA breached"),
}
TEST_EVENT = "ping"

# TicketEvent.kind -> the webhook event it simply maps to.
SIMPLE = {
    "created": "ticket.created",
    "merged_away": "ticket.merged",
    "deleted": "ticket.deleted",
    "sla_warning": "sla.warning",
    "sla_breach": "sla.breach",
}


@dataclass
class Outgoing:
    """One webhook event about one ticket, before it is addressed to subscribers."""

    event: str
    ticket_id: int
    first_event_id: int  # for the dedup key: a re-run handler sends nothing twice
    changes: list = field(default_factory=list)
    message_id: int | None = None
    internal: bool = False  # an internal note: only for subscriptions that include them
    data: dict = field(default_factory=dict)
    actor: dict = field(default_factory=dict)


def actor_of(event) -> dict:
    if event.actor_user_id:
        return {"type": "user", "id": event.actor_user_id, "name": str(event.actor_user)}
    if event.actor_contact_id:
        contact = event.actor_contact
        return {"type": "contact", "id": contact.pk, "name": contact.display_name}
    return {"type": event.actor_kind or "system", "name": event.actor_label}


def outgoing_for(events) -> list[Outgoing]:
    """Map TicketEvent rows (in id order) to webhook events, merged per ticket."""
    found: dict[tuple[int, str], Outgoing] = {}
    result: list[Outgoing] = []

    def add(name: str, event, **extra) -> Outgoing:
        key = (event.ticket_id, name)
        if key in found and name in ("ticket.updated", "ticket.status_changed"):
            return found[key]
        item = Outgoing(name, event.ticket_id, event.id, actor=actor_of(event), **extra)
        found[key] = item
        result.append(item)
        return item

    for event in events:
        kind, data = event.kind, event.data or {}
        if kind in SIMPLE:
            add(SIMPLE[kind], event, data=_public_data(kind, data))
        elif kind in ("message", "note"):
            internal = kind == "note"
            add("message.created", event, message_id=data.get("message"), internal=internal)
            if internal:
                add("note.created", event, message_id=data.get("message"), internal=True)
        elif kind in ("field_changed", "status_changed"):
            change = {"field": event.field, "old": event.old, "new": event.new}
            add("ticket.updated", event).changes.append(change)
            if kind == "status_changed":
                add("ticket.status_changed", event).changes.append(change)
            if event.field == "assignee" and event.new:
                add("ticket.assigned", event, changes=[change])
    return result


def _public_data(kind: str, data: dict) -> dict:
    if kind.startswith("sla_"):
        keep = ("metric", "target_minutes", "business_time", "due_at")
        return {"sla": {k: data.get(k) for k in keep}}
    if kind == "merged_away":
        return {"merged_into": data.get("into") or data.get("ticket")}
    return {}
