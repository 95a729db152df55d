"""Keeping the report facts current (registered in settings.OKNO_EVENT_HANDLERS)."""

from okno.reports.facts import refresh_facts


def _may_change_facts(event) -> bool:
    """Views, notes and customers' messages leave a fact as it is (see compute_fact);
    skipping them spares a busy chat a recompute per message."""
    if event.kind in ("viewed", "note"):
        return False
    return not (event.kind == "message" and (event.data or {}).get("author_kind") == "contact")


def on_ticket_events(events) -> None:
    ticket_ids = sorted({e.ticket_id for e in events if _may_change_facts(e)})
    if ticket_ids:
        refresh_facts(ticket_ids)
