"""Ticket input and output.

References are forgiving on input (a group by name or id, an assignee by email or
id) and plain on output (names, with ids where a client needs to follow them).
"""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import field_validator

from okno.api.schemas.common import ContactRef, Id, InSchema, Ref, UserRef, Version
from okno.tickets.models import Priority

PRIORITY_NAMES = [p.name.lower() for p in Priority]


class ContactIn(InSchema):
    email: str = Field(..., max_length=254)
    name: str = Field("", max_length=200)


class TicketCreateIn(InSchema):
    subject: str = Field(..., max_length=1000)
    body: str = ""
    body_html: str = ""
    contact: ContactIn | None = None
    group: str | int | None = None
    priority: str | int = "normal"
    category: str | int | None = None
    tags: list[str] = []
    custom_fields: dict = {}
    assignee: str | int | None = None
    idempotency_key: str = Field("", max_length=100)


class TicketPatchIn(InSchema):
    version: Version = Field(..., description="The version you read; a stale one answers 409.")
    subject: str | None = Field(None, max_length=1000)
    status: str | int | None = None
    priority: str | int | None = None
    group: str | int | None = None
    assignee: str | int | None = None
    category: str | int | None = None
    tags: list[str] | None = None
    custom_fields: dict | None = None
    parent: Id | None = None


class MergeIn(InSchema):
    into: Id


class LinkIn(InSchema):
    ticket: Id
    kind: str = "related"


class LinkOut(Schema):
    source: int
    target: int
    kind: str


class SlaTargetOut(Schema):
    metric: str = Field(..., description="first_response, next_response or resolution.")
    due_at: dt.datetime | None = Field(None, description="Null while paused.")
    state: str = Field(..., description="on_track, at_risk, breached, paused or achieved.")
    breached: bool
    breach_minutes: int | None = Field(
        None,
        description="Minutes late (business minutes once the target ended; elapsed "
        "minutes while it still runs); zero or less once achieved in time.",
    )
    paused: bool


class TicketOut(Schema):
    id: int
    subject: str
    status: str
    state: str
    priority: str
    group: str | None
    assignee: UserRef | None
    contact: ContactRef
    organization: Ref | None
    category: str | None
    tags: list[str]
    channel: str
    custom_fields: dict
    parent: int | None
    merged_into: int | None
    version: int
    message_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    sla: list[SlaTargetOut] = Field(default_factory=list)

    @staticmethod
    def resolve_id(obj):
        return obj.number

    @staticmethod
    def resolve_sla(obj):
        from okno.sla.display import targets_of

        return [
            {
                "metric": t.metric,
                "due_at": t.due_at,
                "state": t.state,
                "breached": t.breached,
                "breach_minutes": t.breach_minutes,
                "paused": t.paused,
            }
            for t in targets_of(obj)
        ]

    @staticmethod
    def resolve_status(obj):
        return obj.status.name

    @staticmethod
    def resolve_priority(obj):
        return obj.priority_name

    @staticmethod
    def resolve_group(obj):
        return obj.group.name if obj.group_id else None

    @staticmethod
    def resolve_assignee(obj):
        return obj.assignee if obj.assignee_id else None

    @staticmethod
    def resolve_organization(obj):
        return obj.organization if obj.organization_id else None

    @staticmethod
    def resolve_category(obj):
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_tags(obj):
        return sorted(t.name for t in obj.tags.all())

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id

    @staticmethod
    def resolve_merged_into(obj):
        return obj.merged_into_id


class CustomerTicketOut(Schema):
    """What the customer sees in the portal: no group, tags, assignee email or
    staff-only custom fields."""

    id: int
    subject: str
    status: str
    state: str
    priority: str
    assignee: str | None = Field(None, description="The agent's name.")
    contact: ContactRef
    organization: Ref | None
    channel: str
    custom_fields: dict
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TicketPage(Schema):
    results: list[Annotated[TicketOut | CustomerTicketOut, Field(union_mode="left_to_right")]]
    next_cursor: str | None


class TicketListQuery(Schema):
    view: str | None = None
    q: str = ""
    sort: str | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=100)

    @field_validator("view", "sort", "cursor", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return value or None


def customer_field_keys() -> set[str]:
    from okno.tickets.models import CustomField

    return set(
        CustomField.objects.filter(is_active=True, visible_to_customer=True).values_list(
            "key", flat=True
        )
    )


class TicketRenderer:
    """Renders tickets for one principal; customers get the portal's view.

    The visible custom field keys are read once per request, not once per row.
    """

    def __init__(self, principal):
        from okno.tickets.permissions import is_customer

        self.for_customer = is_customer(principal)
        self._keys: set[str] | None = None

    def __call__(self, ticket):
        if not self.for_customer:
            # The row itself: TicketOut's resolvers read it when the response is built.
            return ticket
        if self._keys is None:
            self._keys = customer_field_keys()
        return CustomerTicketOut(
            id=ticket.number,
            subject=ticket.subject,
            status=ticket.status.name,
            state=ticket.state,
            priority=ticket.priority_name,
            assignee=ticket.assignee.name if ticket.assignee_id else None,
            contact=ticket.contact,
            organization=ticket.organization if ticket.organization_id else None,
            channel=ticket.channel,
            custom_fields={k: v for k, v in ticket.custom_fields.items() if k in self._keys},
            version=ticket.version,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
        )
