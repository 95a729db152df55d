"""Keeping the report facts current (registered in settings.OKNO_EVENT_HANDLERS)."""

from okno.reports.facts import refresh_facts


def on_ticket_events(events) -> None:
    ticket_ids = sorted({e.ticket_id for e in events if e.kind != "viewed"})
    if ticket_ids:
        refresh_facts(ticket_ids)
