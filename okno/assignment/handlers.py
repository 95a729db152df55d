"""Assign new tickets, and tickets moved to another group, as their group says
(registered in settings.OKNO_EVENT_HANDLERS after the SLA handler)."""

import logging

from okno.assignment.services import assign_ticket_automatically
from okno.tickets.models import Ticket

log = logging.getLogger("okno.assignment")


def handle_ticket_events(events) -> None:
    numbers = [
        e.ticket_id
        for e in events
        if e.kind == "created" or (e.kind == "field_changed" and e.field == "group")
    ]
    for number in dict.fromkeys(numbers):
        ticket = Ticket.objects.filter(number=number, assignee__isnull=True).first()
        if ticket is None or not ticket.group_id:
            continue
        try:
            assign_ticket_automatically(ticket)
        except Exception:  # one ticket's trouble must not stop the others
            log.exception("auto-assignment of #%s failed", number)
