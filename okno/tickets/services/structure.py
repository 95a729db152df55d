"""Merging, splitting and linking tickets."""

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.core.events import dispatch_after_commit
from okno.tickets.models import LinkKind, Message, StatusCategory, Ticket, TicketLink
from okno.tickets.search import index_ticket
from okno.tickets.services.events import record_event
from okno.tickets.services.lifecycle import _apply_changes, default_status, ticket_create


def _recount(number: int) -> None:
    stats = Message.objects.filter(ticket_id=number).aggregate(
        n=Count("id"), last=Max("created_at")
    )
    Ticket.objects.filter(number=number).update(message_count=stats["n"] or 0)


def ticket_merge(*, source: Ticket, target: Ticket, actor) -> Ticket:
    """Move the conversation of `source` into `target`; `source` closes, pointing there."""
    if source.number == target.number:
        raise ValidationFailed(_("A ticket cannot be merged into itself."), field="target")
    if target.merged_into_id:
        raise ValidationFailed(_("The target ticket was itself merged away."), field="target")
    now = timezone.now()
    with transaction.atomic():
        locked = {
            t.number: t
            for t in Ticket.objects.select_for_update()
            .select_related("status")
            .filter(number__in=[source.number, target.number])
        }
        source, target = locked[source.number], locked[target.number]
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        target.followers.add(*source.followers.all())
        if source.contact_id != target.contact_id:
            target.followers.add(source.contact)
        target.tags.add(*source.tags.all())
        events = [
            record_event(
                ticket_id=target.number,
                actor=actor,
                kind="merged_in",
                data={"from": source.number, "messages": moved},
                version=target.version,
            ),
            record_event(
                ticket_id=source.number,
                actor=actor,
                kind="merged_away",
                data={"into": target.number, "messages": moved},
                version=source.version,
            ),
        ]
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        events += _apply_changes(
            source, actor, {"status": default_status(StatusCategory.CLOSED)}, now
        )
        Ticket.objects.filter(number=target.number).update(updated_at=now)
        _recount(source.number)
        _recount(target.number)
        dispatch_after_commit([e.id for e in events])
    index_ticket(source)
    index_ticket(target)
    target.refresh_from_db()
    return target


def ticket_split(*, ticket: Ticket, message_ids: list[int], actor, subject: str = "") -> Ticket:
    """Move the chosen messages into a new ticket of the same requester, linked back."""
    chosen = list(
        Message.objects.filter(ticket=ticket, id__in=message_ids).order_by("created_at", "id")
    )
    if not chosen:
        raise ValidationFailed(_("Choose the messages to split off."), field="messages")
    if len(chosen) == Message.objects.filter(ticket=ticket).count():
        raise ValidationFailed(_("At least one message must stay on the ticket."), field="messages")
    with transaction.atomic():
        first = chosen[0]
        new = ticket_create(
            actor=actor,
            subject=subject or ticket.subject,
            body_text=first.body_text,
            body_html=first.body_html,
            contact=ticket.contact,
            group=ticket.group,
            priority=ticket.priority,
            category=ticket.category,
            channel=ticket.channel,
            message_from_agent=first.author_kind == "agent",
        )
        # ticket_create wrote a copy of the first message; move the originals instead.
        Message.objects.filter(ticket=new).delete()
        Message.objects.filter(id__in=[m.id for m in chosen]).update(ticket=new)
        TicketLink.objects.create(source=new, target=ticket, kind=LinkKind.FOLLOW_UP)
        events = [
            record_event(
                ticket_id=ticket.number,
                actor=actor,
                kind="split",
                data={"into": new.number, "messages": [m.id for m in chosen]},
                version=ticket.version,
            ),
            record_event(
                ticket_id=new.number,
                actor=actor,
                kind="split_from",
                data={"from": ticket.number, "messages": [m.id for m in chosen]},
                version=new.version,
            ),
        ]
        _recount(ticket.number)
        _recount(new.number)
        dispatch_after_commit([e.id for e in events])
    index_ticket(ticket)
    index_ticket(new)
    new.refresh_from_db()
    return new


def ticket_link(
    *, source: Ticket, target: Ticket, actor, kind: str = LinkKind.RELATED
) -> TicketLink:
    if source.number == target.number:
        raise ValidationFailed(_("A ticket cannot be linked to itself."), field="target")
    if kind not in LinkKind.values:
        raise ValidationFailed(_("Unknown link kind."), field="kind")
    with transaction.atomic():
        link, created = TicketLink.objects.get_or_create(
            source=source, target=target, defaults={"kind": kind}
        )
        if created:
            event = record_event(
                ticket_id=source.number,
                actor=actor,
                kind="linked",
                data={"ticket": target.number, "kind": kind},
                version=source.version,
            )
            dispatch_after_commit([event.id])
    return link


def ticket_unlink(*, source: Ticket, target: Ticket, actor) -> None:
    with transaction.atomic():
        deleted, _rows = TicketLink.objects.filter(source=source, target=target).delete()
        deleted += TicketLink.objects.filter(source=target, target=source).delete()[0]
        if deleted:
            event = record_event(
                ticket_id=source.number,
                actor=actor,
                kind="unlinked",
                data={"ticket": target.number},
                version=source.version,
            )
            dispatch_after_commit([event.id])
