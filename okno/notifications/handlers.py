"""Turning committed ticket events into notifications (registered last in
settings.OKNO_EVENT_HANDLERS, after auto-assignment and the automation rules, so
"assigned to me" covers their assignments too).

Nobody is notified of their own action, and only people who can see the ticket
(`okno.tickets.permissions.can(user, "view", ticket)`) are notified at all.
"""

import logging
from collections import defaultdict
from contextvars import ContextVar

from okno.accounts.models import Role, User
from okno.notifications.mentions import parse_mentions
from okno.notifications.models import Kind
from okno.notifications.services import notify
from okno.tickets.catalog import fill_related
from okno.tickets.models import ActorKind, AuthorKind, Message, Ticket
from okno.tickets.permissions import can

log = logging.getLogger("okno.notifications")


def _actor_name(event) -> str:
    if event.actor_user_id and event.actor_user:
        return str(event.actor_user)
    if event.actor_contact_id and event.actor_contact:
        return event.actor_contact.display_name
    return event.actor_label


def _send(people, *, kind, ticket, event, params=None) -> None:
    seen = set()
    for user in people:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        if event.actor_kind == ActorKind.USER and event.actor_user_id == user.pk:
            continue  # never tell people what they did themselves
        if not can(user, "view", ticket):
            continue
        notify(
            user,
            kind=kind,
            ticket=ticket,
            params={"actor": _actor_name(event), **(params or {})},
        )


# Within one batch of events (handle_ticket_events), each group's members are read
# once: a burst of new chat tickets in one group costs one query, not one a ticket.
_members: ContextVar[dict | None] = ContextVar("okno_group_members", default=None)


def _group_members(ticket: Ticket):
    if not ticket.group_id:
        return []
    known = _members.get()
    if known is not None and ticket.group_id in known:
        return known[ticket.group_id]
    members = list(ticket.group.members.filter(is_active=True).exclude(role=Role.LIGHT_AGENT))
    if known is not None:
        known[ticket.group_id] = members
    return members


def _assignee(ticket: Ticket, event) -> User | None:
    """The person an "assignee" change named, if they still hold the ticket (the event
    stores the name; a newer change since makes this one stale)."""
    if not ticket.assignee_id or str(ticket.assignee) != event.new:
        return None
    return ticket.assignee


def _mentioned(ticket: Ticket, event) -> list[User]:
    message = Message.objects.filter(pk=(event.data or {}).get("message")).first()
    if message is None or "@" not in (message.body_text or ""):
        return []
    staff = User.objects.filter(is_active=True)
    return parse_mentions(message.body_text, staff)


def _on_event(ticket: Ticket, event, created: bool) -> None:
    kind = event.kind
    if kind == "created":
        _send(
            _group_members(ticket),
            kind=Kind.NEW_IN_MY_GROUP,
            ticket=ticket,
            event=event,
            params={"group": ticket.group.name if ticket.group_id else ""},
        )
        # Created already assigned (an assignment after creation has its own event).
        if ticket.assignee_id and (event.data or {}).get("assignee") == str(ticket.assignee):
            _send([ticket.assignee], kind=Kind.ASSIGNED_TO_ME, ticket=ticket, event=event)
    elif kind == "field_changed" and event.field == "assignee":
        _send([_assignee(ticket, event)], kind=Kind.ASSIGNED_TO_ME, ticket=ticket, event=event)
    elif kind == "field_changed" and event.field == "group" and ticket.group_id:
        _send(
            _group_members(ticket),
            kind=Kind.NEW_IN_MY_GROUP,
            ticket=ticket,
            event=event,
            params={"group": ticket.group.name},
        )
    elif kind == "message" and not created:
        if (event.data or {}).get("author_kind") == AuthorKind.CONTACT and ticket.assignee_id:
            _send([ticket.assignee], kind=Kind.CUSTOMER_REPLIED, ticket=ticket, event=event)
    elif kind == "note":
        _send(_mentioned(ticket, event), kind=Kind.MENTION, ticket=ticket, event=event)
    elif kind in ("sla_warning", "sla_breach"):
        from okno.sla.notify import recipients

        notify_kind = Kind.SLA_BREACH if kind == "sla_breach" else Kind.SLA_WARNING
        _send(
            recipients(ticket),
            kind=notify_kind,
            ticket=ticket,
            event=event,
            params={"metric": (event.data or {}).get("metric", "")},
        )


def _needs_ticket(event) -> bool:
    """Whether `_on_event` may notify anyone for this event (else no ticket is loaded)."""
    kind = event.kind
    if kind == "field_changed":
        return event.field in ("assignee", "group")
    if kind == "message":
        return (event.data or {}).get("author_kind") == AuthorKind.CONTACT
    return kind in ("created", "note", "sla_warning", "sla_breach")


def handle_ticket_events(events) -> None:
    by_ticket = defaultdict(list)
    for event in events:
        by_ticket[event.ticket_id].append(event)
    wanted = [n for n, evs in by_ticket.items() if any(_needs_ticket(e) for e in evs)]
    if not wanted:
        return
    # Loaded afresh, not the events' tickets: earlier handlers (auto-assignment,
    # rules) may have changed them. One query for the whole batch.
    # The group and assignee from the per-process catalog (fill_related), not joined.
    tickets = (
        Ticket.objects.filter(number__in=wanted, is_deleted=False)
        .order_by()  # a dict: the default order costs compiling only
        .in_bulk(field_name="number")
    )
    fill_related(tickets.values())
    token = _members.set({})
    try:
        _notify_tickets(wanted, tickets, by_ticket)
    finally:
        _members.reset(token)


def _notify_tickets(wanted, tickets, by_ticket) -> None:
    for number in wanted:
        ticket = tickets.get(number)
        if ticket is None:
            continue
        ticket_events = by_ticket[number]
        # The first message of a new ticket is part of "created", not a reply.
        created = any(e.kind == "created" for e in ticket_events)
        for event in ticket_events:
            try:
                _on_event(ticket, event, created)
            except Exception:  # one event's trouble must not stop the others
                log.exception("notifications for event %s failed", event.pk)
