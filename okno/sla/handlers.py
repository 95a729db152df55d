"""Reacting to committed ticket events (registered in settings.OKNO_EVENT_HANDLERS).

Ticket changes move the SLA clocks; the SLA's own warning and breach events send
the emails and run the policy's escalation. Each runs after the commit that wrote
the event, in the queue's worker.
"""

import logging
from collections import defaultdict

from okno.sla.notify import notify_clock_event
from okno.sla.services import (
    EVENT_BREACH,
    EVENT_WARNING,
    sla_escalate,
    sla_process_events,
)

log = logging.getLogger("okno.sla")

# Events after which a ticket's clocks may move: what counts as a response or a
# new wait (messages), its status (pause, resume, solve) and every field a policy
# may match on (priority, group, category, tags, custom fields, requester).
CLOCK_EVENTS = {
    "created",
    "message",
    "status_changed",
    "field_changed",
    "deleted",
    "merged_away",
}


def handle_ticket_events(events) -> None:
    by_ticket = defaultdict(list)
    announcements = []
    for event in events:
        if event.kind in CLOCK_EVENTS:
            by_ticket[event.ticket_id].append(event)
        elif event.kind in (EVENT_WARNING, EVENT_BREACH):
            announcements.append(event)
    if by_ticket:
        try:
            sla_process_events(events_by_ticket=by_ticket)
        except Exception:  # the announcements below must still go out
            log.exception("SLA update of #%s failed", sorted(by_ticket))
    for event in announcements:
        _announce(event)


def _announce(event) -> None:
    from okno.sla.models import TicketSla

    row = (
        TicketSla.objects.select_related("policy", "ticket")
        .filter(pk=(event.data or {}).get("sla"))
        .first()
    )
    if row is None:
        return
    notify_clock_event(row=row, kind=event.kind)
    if event.kind == EVENT_BREACH:
        sla_escalate(row=row)
