"""Registered in settings.OKNO_EVENT_HANDLERS: greetings and triggers on committed events."""

import logging

from okno.automation import ruleset
from okno.automation.engine import load_ticket, process_events
from okno.automation.greeting import maybe_greet

log = logging.getLogger("okno.automation")


def on_ticket_events(events) -> None:
    rules = ruleset.current()
    created = {e.ticket_id for e in events if e.kind == "created"}
    for number in created if rules.greeting_channels else ():
        ticket = load_ticket(number)
        if ticket is None or ticket.channel not in rules.greeting_channels:
            continue
        try:
            maybe_greet(ticket, [e for e in events if e.ticket_id == number])
        except Exception:
            log.exception("auto-greeting of #%s failed", number)
    process_events(events, rules)
