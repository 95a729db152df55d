"""Keeping the report facts current (registered in settings.OKNO_EVENT_HANDLERS)."""

from okno.reports.facts import refresh_facts

# The ticket fields a fact copies (the contact brings the organization). Changes of
# the others (tags, priority, subject, custom fields, parent) leave it as it is.
FACT_FIELDS = {"group", "assignee", "category", "contact"}


def _may_change_facts(event) -> bool:
    """Views, notes, customers' messages and changes of fields a fact does not copy
    leave a fact as it is (see compute_fact); skipping them spares a busy chat a
    recompute per message, and a ticket a recompute per tag a rule adds."""
    if event.kind in ("viewed", "note"):
        return False
    if event.kind == "field_changed" and event.field not in FACT_FIELDS:
        return False
    return not (event.kind == "message" and (event.data or {}).get("author_kind") == "contact")


def on_ticket_events(events) -> None:
    ticket_ids = sorted({e.ticket_id for e in events if _may_change_facts(e)})
    if ticket_ids:
        refresh_facts(ticket_ids)
