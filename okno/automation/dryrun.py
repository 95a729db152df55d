"""Dry run: which tickets a trigger would have matched in the last days.

Read-only. The ticket events of the window are grouped per ticket and per version
(one save), their trigger names compared with the rule's, and the conditions
checked against the ticket with those events (the ticket's fields as they are now;
`changed…` conditions see the replayed events). Nothing is written.
"""

import datetime as dt

from django.utils import timezone

from okno.automation.conditions import compile_conditions
from okno.automation.engine import subject_for, trigger_names
from okno.tickets.models import Ticket, TicketEvent

WINDOW = dt.timedelta(days=7)
MAX_TICKETS = 1000


def dry_run(*, events: list, conditions: list, match: str = "all", visible=None) -> list[Ticket]:
    since = timezone.now() - WINDOW
    rows = (
        TicketEvent.objects.filter(created_at__gte=since, ticket__is_deleted=False)
        .exclude(actor_kind="rule")
        .order_by("ticket_id", "id")
    )
    if visible is not None:
        rows = rows.filter(ticket__in=visible)
    wanted = set(events)
    test = compile_conditions(conditions, match)
    groups: dict[int, dict[int, list]] = {}
    for event in rows.iterator(chunk_size=2000):
        groups.setdefault(event.ticket_id, {}).setdefault(event.version, []).append(event)
    numbers = list(groups)[:MAX_TICKETS]
    tickets = Ticket.objects.select_related(
        "status", "category", "group", "assignee", "contact", "organization"
    ).in_bulk(numbers)
    found = []
    for number in numbers:
        ticket = tickets.get(number)
        if ticket is None:
            continue
        for batch in groups[number].values():
            if trigger_names(batch) & wanted and test(subject_for(ticket, batch)):
                found.append(ticket)
                break
    return found
