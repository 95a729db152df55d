"""Registered in settings.OKNO_EVENT_HANDLERS: greetings and triggers on committed events."""

import logging

from okno.automation.engine import load_ticket, process_events
from okno.automation.greeting import maybe_greet

log = logging.getLogger("okno.automation")


def on_ticket_events(events) -> None:
    created = {}
    for event in events:
        if event.kind == "created":
            created.setdefault(event.ticket_id, []).append(event)
    for number in created:
        ticket = load_ticket(number)
        if ticket is None:
            continue
        try:
            maybe_greet(ticket, [e for e in events if e.ticket_id == number])
        except Exception:
            log.exception("auto-greeting of #%s failed", number)
    process_events(events)
