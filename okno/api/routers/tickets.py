"""/tickets: list, create, read, change, delete, merge, link.

Handlers stay thin: parse (schemas + okno.api.lookups) -> access
(okno.tickets.permissions) -> service (okno.tickets.services) -> render.
"""

from typing import Annotated

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from pydantic import Field

from okno.api.errors import COMMON_ERRORS, ErrorOut
from okno.api.lookups import assignee_ref, category_ref, group_ref, priority_ref, status_ref
from okno.api.schemas.common import Id
from okno.api.schemas.tickets import (
    CustomerTicketOut,
    LinkIn,
    LinkOut,
    MergeIn,
    TicketCreateIn,
    TicketListQuery,
    TicketOut,
    TicketPage,
    TicketPatchIn,
    TicketRenderer,
)
from okno.core.errors import NotAllowed, ValidationFailed
from okno.core.events import handled_at_commit
from okno.sla.display import prefetch_sla
from okno.tickets.models import Channel
from okno.tickets.permissions import (
    Action,
    can_on_visible,
    is_customer,
    ticket_get_for_user,
)
from okno.tickets.selectors import list_tickets
from okno.tickets.services import (
    ticket_delete,
    ticket_link,
    ticket_merge,
    ticket_open,
    ticket_unlink,
    ticket_update,
)

router = Router(tags=["tickets"])
# Left to right: a staff rendering must never be re-read as the narrower customer one.
TicketAny = Annotated[TicketOut | CustomerTicketOut, Field(union_mode="left_to_right")]


def ticket_for_action(principal, number: Id, action: str):
    """A ticket the principal can see, refused with 403 if it may not do `action`."""
    ticket = ticket_get_for_user(principal, number)
    if not can_on_visible(principal, action):
        raise NotAllowed(_("You may not do this with this ticket."))
    return ticket


@router.get("/tickets", response={200: TicketPage, **COMMON_ERRORS})
def tickets_list(request, filters: Query[TicketListQuery]):
    """Tickets visible to you, newest change first; follow `next_cursor` for more."""
    page = list_tickets(
        request.auth,
        view=filters.view,
        query=filters.q,
        cursor=filters.cursor,
        limit=filters.limit,
        sort=filters.sort,
    )
    if not is_customer(request.auth):
        prefetch_sla(page.tickets)  # every row's SLA clocks in one query
    render = TicketRenderer(request.auth)
    return {"results": [render(t) for t in page.tickets], "next_cursor": page.next_cursor}


@router.post("/tickets", response={201: TicketAny, **COMMON_ERRORS})
def tickets_create(
    request,
    payload: TicketCreateIn,
    idempotency_key: str = Header("", alias="Idempotency-Key", max_length=100),
):
    """Open a ticket with its first message. Customers open tickets for themselves."""
    principal = request.auth
    fields = {
        "subject": payload.subject,
        "body_text": payload.body,
        "body_html": payload.body_html,
        "category": category_ref(payload.category),
        "channel": Channel.API,
        "idempotency_key": _scoped_key(principal, payload.idempotency_key or idempotency_key),
    }
    if is_customer(principal):
        # Routing, priority and tags are the team's decisions, as in the portal.
        fields["custom_fields"] = _customer_fields(payload.custom_fields)
    else:
        if payload.contact is None:
            raise ValidationFailed(_("The requester's email is required."), field="contact")
        fields.update(
            contact_email=payload.contact.email,
            contact_name=payload.contact.name,
            group=group_ref(payload.group),
            priority=priority_ref(payload.priority),
            tags=payload.tags,
            custom_fields=payload.custom_fields,
            assignee=assignee_ref(payload.assignee),
        )
    ticket, message = ticket_open(actor=principal, **fields)
    if message is not None and not handled_at_commit():
        # A new ticket's SLA clocks are started by the event handlers in the worker,
        # after this commit: none exist yet, so no query for them.
        ticket.sla_rows = []
    # Rendered as created: an agent may open a ticket for a group it cannot see.
    return Status(201, TicketRenderer(principal)(ticket))


def _scoped_key(principal, key: str) -> str:
    """Idempotency keys per principal, so nobody replays someone else's key into
    their ticket."""
    if not key:
        return ""
    owner = "c" if is_customer(principal) else "u"
    return f"api:{owner}{principal.pk}:{key}"


def _customer_fields(values: dict) -> dict:
    from okno.api.schemas.tickets import customer_field_keys

    allowed = customer_field_keys()
    for key in values:
        if key not in allowed:
            raise ValidationFailed(
                _("Unknown custom field %(key)s.") % {"key": key}, field=f"custom_fields.{key}"
            )
    return values


@router.get("/tickets/{int:number}", response={200: TicketAny, **COMMON_ERRORS})
def tickets_get(request, number: Id):
    return TicketRenderer(request.auth)(ticket_get_for_user(request.auth, number))


@router.patch("/tickets/{int:number}", response={200: TicketOut, 409: ErrorOut, **COMMON_ERRORS})
def tickets_update(request, number: Id, payload: TicketPatchIn):
    """Change fields. Send the `version` you read: if someone saved since, 409."""
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    action = Action.ASSIGN if set(data) == {"assignee"} else Action.UPDATE
    ticket = ticket_for_action(request.auth, number, action)
    if "assignee" in data and not can_on_visible(request.auth, Action.ASSIGN):
        raise NotAllowed(_("You may not assign tickets."))
    changes = _parse_changes(request.auth, data)
    ticket = ticket_update(
        ticket=ticket, actor=request.auth, changes=changes, expected_version=version
    )
    return TicketOut.from_orm(ticket)


def _parse_changes(principal, data: dict) -> dict:
    parsers = {
        "status": status_ref,
        "priority": priority_ref,
        "group": group_ref,
        "assignee": assignee_ref,
        "category": category_ref,
    }
    changes = {}
    for name, value in data.items():
        if name in parsers:
            if value is None and name in ("status", "priority"):
                raise ValidationFailed(_("This field cannot be empty."), field=name)
            changes[name] = parsers[name](value)
        elif name == "parent":
            changes[name] = _other_ticket(principal, value, "parent") if value else None
        elif value is None:
            if name == "subject":
                raise ValidationFailed(_("The subject is required."), field=name)
            changes[name] = [] if name == "tags" else {}
        else:
            changes[name] = value
    return changes


def _other_ticket(principal, number, field: str):
    try:
        return ticket_get_for_user(principal, number)
    except Http404:
        raise ValidationFailed(_("No such ticket: %(n)s.") % {"n": number}, field=field)


@router.delete("/tickets/{int:number}", response={204: None, **COMMON_ERRORS})
def tickets_delete(request, number: Id):
    ticket = ticket_for_action(request.auth, number, Action.DELETE)
    ticket_delete(ticket=ticket, actor=request.auth)
    return HttpResponse(status=204)


@router.post("/tickets/{int:number}/merge", response={200: TicketOut, **COMMON_ERRORS})
def tickets_merge(request, number: Id, payload: MergeIn):
    """Move this ticket's conversation into ticket `into`; this one closes."""
    source = ticket_for_action(request.auth, number, Action.MERGE)
    target = _other_ticket(request.auth, payload.into, "into")
    return TicketOut.from_orm(ticket_merge(source=source, target=target, actor=request.auth))


@router.post("/tickets/{int:number}/links", response={201: LinkOut, **COMMON_ERRORS})
def tickets_link(request, number: Id, payload: LinkIn):
    source = ticket_for_action(request.auth, number, Action.UPDATE)
    target = _other_ticket(request.auth, payload.ticket, "ticket")
    link = ticket_link(source=source, target=target, actor=request.auth, kind=payload.kind)
    return Status(201, {"source": link.source_id, "target": link.target_id, "kind": link.kind})


@router.delete("/tickets/{int:number}/links/{int:other}", response={204: None, **COMMON_ERRORS})
def tickets_unlink(request, number: Id, other: Id):
    source = ticket_for_action(request.auth, number, Action.UPDATE)
    target = _other_ticket(request.auth, other, "ticket")
    ticket_unlink(source=source, target=target, actor=request.auth)
    return HttpResponse(status=204)
