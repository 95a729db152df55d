"""Assign new tickets, and tickets moved to another group, as their group says
(registered in settings.OKNO_EVENT_HANDLERS after the SLA handler)."""

import logging

from okno.assignment.models import GroupAssignment, Mode
from okno.assignment.services import assign_ticket_automatically
from okno.tickets.models import Ticket, TicketEvent

log = logging.getLogger("okno.assignment")


def _may_have_group(event) -> bool:
    """False when the ticket as read with its events (the worker reads them with their
    tickets) had no group: a group given since is a "group" change, an event of its
    own that brings the ticket here again. No query for a ticket created groupless."""
    ticket_field = TicketEvent._meta.get_field("ticket")
    return not ticket_field.is_cached(event) or event.ticket.group_id is not None


def handle_ticket_events(events) -> None:
    numbers = [
        e.ticket_id
        for e in events
        if (e.kind == "created" and _may_have_group(e))
        or (e.kind == "field_changed" and e.field == "group")
    ]
    order = {number: i for i, number in enumerate(dict.fromkeys(numbers))}
    if not order:
        return
    tickets = list(
        Ticket.objects.filter(
            number__in=list(order), assignee__isnull=True, group__isnull=False
        ).order_by()  # sorted below; the default order costs compiling only
    )
    # Most groups assign by hand: their tickets need no locked transaction each (the
    # service re-checks everything under its lock for the others).
    assigning = set(
        GroupAssignment.objects.filter(group_id__in={t.group_id for t in tickets})
        .exclude(mode=Mode.OFF)
        .values_list("group_id", flat=True)
    )
    for ticket in sorted(tickets, key=lambda t: order[t.number]):
        if ticket.group_id not in assigning:
            continue
        try:
            assign_ticket_automatically(ticket)
        except Exception:  # one ticket's trouble must not stop the others
            log.exception("auto-assignment of #%s failed", ticket.number)
