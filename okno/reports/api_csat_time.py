"""/api/v1/csat/... and /api/v1/time-entries...: the same services as the UI.

CSAT: a customer's token rates their own solved ticket; staff read ratings of the
tickets they see; admins read and change the survey settings.
Time: staff log, change and delete entries on tickets they may write notes on
(see okno/reports/timetracking.py), run the timer, and managers read the reports.
"""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from okno.api.auth import require_admin, require_manager, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import Id, InSchema
from okno.core.errors import NotAllowed
from okno.reports import csat as csat_svc
from okno.reports import timetracking as time_svc
from okno.reports.models_csat import CsatRating, CsatScale
from okno.reports.models_time import ActivityType, TimeEntry
from okno.tickets.permissions import Action, is_customer, ticket_get_for_user, visible_tickets

router = Router(tags=["csat", "time"])


# --- CSAT ---------------------------------------------------------------------------------


class CsatSettingsOut(Schema):
    enabled: bool
    scale: CsatScale
    delay_minutes: int
    texts: dict


class CsatSettingsIn(InSchema):
    enabled: bool | None = None
    scale: CsatScale | None = None
    delay_minutes: int | None = Field(None, ge=0, le=10080)
    texts: dict | None = None


class RatingOut(Schema):
    ticket: int = Field(..., alias="ticket_id")
    contact: int | None = Field(None, alias="contact_id")
    score: int
    scale: str
    comment: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RatingIn(InSchema):
    score: int = Field(..., ge=0, le=5)
    comment: str = Field("", max_length=4000)


@router.get("/csat/settings", response={200: CsatSettingsOut, **COMMON_ERRORS})
def csat_settings_get(request):
    require_admin(request.auth)
    return csat_svc.csat_settings()


@router.patch("/csat/settings", response={200: CsatSettingsOut, **COMMON_ERRORS})
def csat_settings_update(request, payload: CsatSettingsIn):
    actor = require_admin(request.auth)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return csat_svc.csat_settings_update(actor=actor, **changes)


@router.get("/csat/ratings", response={200: list[RatingOut], **COMMON_ERRORS})
def csat_ratings(request, since: dt.date | None = None, limit: int = Query(100, ge=1, le=500)):
    """Ratings of the tickets the caller may see, newest first."""
    require_staff(request.auth)
    ratings = CsatRating.objects.filter(ticket__in=visible_tickets(request.auth))
    if since:
        ratings = ratings.filter(updated_at__date__gte=since)
    return list(ratings.order_by("-updated_at", "-id")[:limit])


@router.get("/csat/tickets/{int:number}", response={200: RatingOut | None, **COMMON_ERRORS})
def csat_ticket_get(request, number: Id):
    ticket = ticket_get_for_user(request.auth, number)
    return CsatRating.objects.filter(ticket=ticket).first()


@router.post("/csat/tickets/{int:number}", response={200: RatingOut, **COMMON_ERRORS})
def csat_ticket_rate(request, number: Id, payload: RatingIn):
    """The requester rates their solved ticket (a customer token only)."""
    principal = request.auth
    ticket = ticket_get_for_user(principal, number)
    if not is_customer(principal) or ticket.contact_id != principal.pk:
        raise NotAllowed("Only the requester can rate this ticket.")
    return csat_svc.csat_rate(
        ticket=ticket, contact=principal, score=payload.score, comment=payload.comment
    )


# --- time -------------------------------------------------------------------------------


class TimeEntryOut(Schema):
    id: int
    ticket: int = Field(..., alias="ticket_id")
    user: int = Field(..., alias="user_id")
    minutes: int
    activity: int | None = Field(None, alias="activity_id")
    billable: bool
    note: str
    started_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


class TimeEntryIn(InSchema):
    ticket: Id
    minutes: int = Field(..., ge=1, le=time_svc.MAX_MINUTES)
    activity: Id | None = None
    billable: bool | None = None
    note: str = Field("", max_length=500)
    started_at: dt.datetime | None = None


class TimeEntryPatchIn(InSchema):
    minutes: int | None = Field(None, ge=1, le=time_svc.MAX_MINUTES)
    activity: Id | None = None
    billable: bool | None = None
    note: str | None = Field(None, max_length=500)


class TimerOut(Schema):
    ticket: int = Field(..., alias="ticket_id")
    started_at: dt.datetime


class TimerStopIn(InSchema):
    activity: Id | None = None
    billable: bool | None = None
    note: str = Field("", max_length=500)


class ActivityOut(Schema):
    id: int
    name: str
    billable: bool
    hourly_rate: Decimal
    is_active: bool


class ActivityIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    billable: bool = True
    hourly_rate: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)


class SummaryRowOut(Schema):
    organization: str
    activity: str
    minutes: int
    hours: Decimal
    rate: Decimal
    currency: str
    amount: Decimal


class SummaryOrgOut(Schema):
    name: str
    currency: str
    minutes: int
    hours: Decimal
    amount: Decimal


class SummaryOut(Schema):
    date_from: dt.date
    date_to: dt.date
    rows: list[SummaryRowOut]
    organizations: list[SummaryOrgOut]
    totals: dict[str, Decimal]


class PeriodQuery(Schema):
    date_from: dt.date
    date_to: dt.date


def _activity(activity_id):
    if activity_id is None:
        return None
    return get_or_404(ActivityType, activity_id)


def _entry(user, entry_id: int) -> TimeEntry:
    return get_or_404(
        TimeEntry, entry_id, TimeEntry.objects.filter(ticket__in=visible_tickets(user))
    )


@router.get("/time-entries", response={200: list[TimeEntryOut], **COMMON_ERRORS})
def time_entries_list(request, ticket: Id):
    user = require_staff(request.auth)
    found = ticket_get_for_user(user, ticket, action=Action.NOTE)
    return list(TimeEntry.objects.filter(ticket=found).order_by("-started_at", "-id"))


@router.post("/time-entries", response={201: TimeEntryOut, **COMMON_ERRORS})
def time_entries_create(request, payload: TimeEntryIn):
    user = require_staff(request.auth)
    ticket = ticket_get_for_user(user, payload.ticket, action=Action.NOTE)
    entry = time_svc.entry_create(
        ticket=ticket,
        user=user,
        minutes=payload.minutes,
        activity=_activity(payload.activity),
        billable=payload.billable,
        note=payload.note,
        started_at=payload.started_at,
    )
    return Status(201, entry)


@router.patch("/time-entries/{int:entry_id}", response={200: TimeEntryOut, **COMMON_ERRORS})
def time_entries_update(request, entry_id: Id, payload: TimeEntryPatchIn):
    user = require_staff(request.auth)
    entry = _entry(user, entry_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "activity" in changes:
        changes["activity"] = _activity(changes["activity"])
    return time_svc.entry_update(entry=entry, actor=user, **changes)


@router.delete("/time-entries/{int:entry_id}", response={204: None, **COMMON_ERRORS})
def time_entries_delete(request, entry_id: Id):
    user = require_staff(request.auth)
    time_svc.entry_delete(entry=_entry(user, entry_id), actor=user)
    return HttpResponse(status=204)


@router.post("/time-entries/timer/{int:number}/start", response={200: TimerOut, **COMMON_ERRORS})
def timer_start(request, number: Id):
    user = require_staff(request.auth)
    ticket = ticket_get_for_user(user, number, action=Action.NOTE)
    return time_svc.timer_start(ticket=ticket, user=user)


@router.post(
    "/time-entries/timer/{int:number}/stop", response={200: TimeEntryOut | None, **COMMON_ERRORS}
)
def timer_stop(request, number: Id, payload: TimerStopIn):
    user = require_staff(request.auth)
    ticket = ticket_get_for_user(user, number, action=Action.NOTE)
    return time_svc.timer_stop(
        ticket=ticket,
        user=user,
        activity=_activity(payload.activity),
        billable=payload.billable,
        note=payload.note,
    )


@router.get("/time-entries/activity-types", response={200: list[ActivityOut], **COMMON_ERRORS})
def activity_types(request):
    require_staff(request.auth)
    return list(ActivityType.objects.all())


@router.post("/time-entries/activity-types", response={201: ActivityOut, **COMMON_ERRORS})
def activity_types_create(request, payload: ActivityIn):
    actor = require_manager(request.auth)
    return Status(201, time_svc.activity_save(actor=actor, **payload.dict()))


@router.get("/time-entries/billable-summary", response={200: SummaryOut, **COMMON_ERRORS})
def billable_summary(request, period: Query[PeriodQuery]):
    require_manager(request.auth)
    summary = time_svc.billable_summary(period.date_from, period.date_to)
    return {"date_from": period.date_from, "date_to": period.date_to, **summary}


class OrganizationRateIn(InSchema):
    hourly_rate: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    currency: str = Field(time_svc.DEFAULT_CURRENCY, min_length=3, max_length=3)


class OrganizationRateOut(Schema):
    organization: int = Field(..., alias="organization_id")
    hourly_rate: Decimal
    currency: str


@router.post(
    "/time-entries/organization-rates/{int:organization_id}",
    response={200: OrganizationRateOut, **COMMON_ERRORS},
)
def organization_rate_set(request, organization_id: Id, payload: OrganizationRateIn):
    """Set (or replace) an organization's hourly rate."""
    from okno.contacts.models import Organization

    actor = require_manager(request.auth)
    return time_svc.organization_rate_set(
        actor=actor, organization=get_or_404(Organization, organization_id), **payload.dict()
    )
