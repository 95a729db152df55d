"""Writing the ticket history."""

from okno.accounts.models import User
from okno.contacts.models import Contact
from okno.core.actors import SystemActor
from okno.core.rawsql import insert
from okno.tickets.models import ActorKind, TicketEvent


def actor_fields(actor) -> dict:
    if isinstance(actor, User):
        return {"actor_kind": ActorKind.USER, "actor_user": actor}
    if isinstance(actor, Contact):
        return {"actor_kind": ActorKind.CONTACT, "actor_contact": actor}
    if isinstance(actor, SystemActor):
        kind = ActorKind.RULE if actor.kind == "rule" else ActorKind.SYSTEM
        return {"actor_kind": kind, "actor_label": actor.label}
    raise TypeError(f"unknown actor {actor!r}")


def new_event(
    *,
    ticket_id: int,
    actor,
    kind: str,
    field: str = "",
    old=None,
    new=None,
    data: dict | None = None,
    version: int = 0,
) -> TicketEvent:
    """An unsaved event row, for `record_events` to write with others in one INSERT."""
    return TicketEvent(
        ticket_id=ticket_id,
        kind=kind,
        field=field,
        old=old,
        new=new,
        data=data or {},
        version=version,
        **actor_fields(actor),
    )


def record_event(**fields) -> TicketEvent:
    """Write one event (the keywords of `new_event`)."""
    event = new_event(**fields)
    event.save(force_insert=True)
    return event


def record_events(events: list[TicketEvent]) -> list[TicketEvent]:
    """Write events in one INSERT, in order (ids ascending, as the timeline reads
    them); SQLite and PostgreSQL both give the new ids back."""
    insert(*events)
    return events
