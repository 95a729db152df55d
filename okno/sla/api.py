"""/sla/calendars and /sla/policies: staff read, administrators write.

Handlers stay thin: parse (schemas) -> access (require_staff / require_admin) ->
checks (okno.sla.admin_checks) -> service (okno.sla.admin_services) -> render.
"""

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from okno.accounts.models import Group, User
from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.lookups import priority_ref
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import Id, InSchema
from okno.core.errors import ValidationFailed
from okno.sla import admin_services as svc
from okno.sla.admin_checks import check_condition_ids, check_intervals, check_week
from okno.sla.models import BusinessCalendar, CalendarDate, SlaPolicy

router = Router(tags=["sla"])
Interval = list[str]


# --- schemas ----------------------------------------------------------------------------


class CalendarDateIn(InSchema):
    date: dt.date
    kind: str = Field(..., description="holiday or working")
    name: str = Field("", max_length=100)
    intervals: list[Interval] = []


class CalendarDateOut(Schema):
    id: int
    date: dt.date
    kind: str
    name: str
    intervals: list[Interval]


class CalendarIn(InSchema):
    name: str = Field(..., max_length=100)
    time_zone: str = Field("UTC", max_length=64)
    is_24x7: bool = False
    country: str = Field("", max_length=3, description="A country the holidays package knows.")
    subdivision: str = Field("", max_length=10)
    weekly_hours: dict[str, list[Interval]] = Field(
        default_factory=dict, description='"0" (Monday) … "6": [["09:00", "13:00"], …]'
    )


class CalendarPatchIn(InSchema):
    name: str | None = Field(None, max_length=100)
    time_zone: str | None = Field(None, max_length=64)
    is_24x7: bool | None = None
    country: str | None = Field(None, max_length=3)
    subdivision: str | None = Field(None, max_length=10)
    weekly_hours: dict[str, list[Interval]] | None = None


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    is_24x7: bool
    country: str
    subdivision: str
    weekly_hours: dict
    dates: list[CalendarDateOut]
    updated_at: dt.datetime

    @staticmethod
    def resolve_dates(obj):
        return list(obj.dates.all())


class TargetIn(InSchema):
    priority: str | int
    metric: str = Field(..., description="first_response, next_response or resolution")
    minutes: int = Field(..., ge=1, le=366 * 24 * 60)
    business_time: bool = True


class TargetOut(Schema):
    priority: str
    metric: str
    minutes: int
    business_time: bool


class PolicyIn(InSchema):
    name: str = Field(..., max_length=100)
    active: bool = True
    calendar: Id | None = None
    conditions: dict = Field(default_factory=dict)
    pause_on_pending: bool = True
    pause_on_on_hold: bool = True
    warning_percent: int = Field(75, ge=1, le=100)
    raise_priority: bool = False
    escalate_to_group: Id | None = None
    escalate_to_user: Id | None = None
    targets: list[TargetIn] = []


class PolicyPatchIn(InSchema):
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    calendar: Id | None = None
    conditions: dict | None = None
    pause_on_pending: bool | None = None
    pause_on_on_hold: bool | None = None
    warning_percent: int | None = Field(None, ge=1, le=100)
    raise_priority: bool | None = None
    escalate_to_group: Id | None = None
    escalate_to_user: Id | None = None
    targets: list[TargetIn] | None = None


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    active: bool
    calendar: int | None
    conditions: dict
    pause_on_pending: bool
    pause_on_on_hold: bool
    warning_percent: int
    raise_priority: bool
    escalate_to_group: int | None
    escalate_to_user: int | None
    targets: list[TargetOut]

    @staticmethod
    def resolve_calendar(obj):
        return obj.calendar_id

    @staticmethod
    def resolve_escalate_to_group(obj):
        return obj.escalate_to_group_id

    @staticmethod
    def resolve_escalate_to_user(obj):
        return obj.escalate_to_user_id

    @staticmethod
    def resolve_targets(obj):
        from okno.tickets.models import Priority

        return [
            {
                "priority": Priority(t.priority).name.lower(),
                "metric": t.metric,
                "minutes": t.minutes,
                "business_time": t.business_time,
            }
            for t in obj.targets.all()
        ]


# --- calendars ----------------------------------------------------------------------------


def _calendars():
    return BusinessCalendar.objects.prefetch_related("dates").order_by("name", "pk")


def _check_calendar(data: dict, calendar: BusinessCalendar | None = None) -> None:
    if "weekly_hours" in data or "is_24x7" in data:
        week = data.get("weekly_hours", calendar.weekly_hours if calendar else {})
        is_24x7 = data.get("is_24x7", calendar.is_24x7 if calendar else False)
        check_week(week, is_24x7=bool(is_24x7))


@router.get("/sla/calendars", response={200: list[CalendarOut], **COMMON_ERRORS})
def calendars_list(request):
    require_staff(request.auth)
    return list(_calendars())


@router.post("/sla/calendars", response={201: CalendarOut, **COMMON_ERRORS})
def calendars_create(request, payload: CalendarIn):
    actor = require_admin(request.auth)
    data = payload.dict()
    _check_calendar(data)
    calendar = svc.calendar_save(actor=actor, calendar=None, **data)
    return Status(201, get_or_404(BusinessCalendar, calendar.pk, _calendars()))


@router.get("/sla/calendars/{int:calendar_id}", response={200: CalendarOut, **COMMON_ERRORS})
def calendars_get(request, calendar_id: Id):
    require_staff(request.auth)
    return get_or_404(BusinessCalendar, calendar_id, _calendars())


@router.patch("/sla/calendars/{int:calendar_id}", response={200: CalendarOut, **COMMON_ERRORS})
def calendars_update(request, calendar_id: Id, payload: CalendarPatchIn):
    actor = require_admin(request.auth)
    calendar = get_or_404(BusinessCalendar, calendar_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    _check_calendar(data, calendar)
    svc.calendar_save(actor=actor, calendar=calendar, **data)
    return get_or_404(BusinessCalendar, calendar_id, _calendars())


@router.delete("/sla/calendars/{int:calendar_id}", response={204: None, **COMMON_ERRORS})
def calendars_delete(request, calendar_id: Id):
    actor = require_admin(request.auth)
    svc.calendar_delete(actor=actor, calendar=get_or_404(BusinessCalendar, calendar_id))
    return HttpResponse(status=204)


@router.post(
    "/sla/calendars/{int:calendar_id}/dates", response={201: CalendarDateOut, **COMMON_ERRORS}
)
def calendar_dates_set(request, calendar_id: Id, payload: CalendarDateIn):
    """Add a custom day off or working day; a date given again replaces the old one."""
    actor = require_admin(request.auth)
    calendar = get_or_404(BusinessCalendar, calendar_id)
    check_intervals(payload.intervals, field="intervals")
    row = svc.calendar_date_save(actor=actor, calendar=calendar, **payload.dict())
    return Status(201, row)


@router.delete(
    "/sla/calendars/{int:calendar_id}/dates/{int:date_id}", response={204: None, **COMMON_ERRORS}
)
def calendar_dates_delete(request, calendar_id: Id, date_id: Id):
    actor = require_admin(request.auth)
    row = get_or_404(CalendarDate, date_id, CalendarDate.objects.filter(calendar_id=calendar_id))
    svc.calendar_date_delete(actor=actor, calendar_date=row)
    return HttpResponse(status=204)


# --- policies -------------------------------------------------------------------------------


def _policies():
    return SlaPolicy.objects.prefetch_related("targets").order_by("position", "id")


def _ref(model, pk, field: str):
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise ValidationFailed(f"No such {model._meta.verbose_name}: {pk}.", field=field)
    return row


def _policy_values(data: dict) -> dict:
    """Ids to rows, priority names to numbers; the rest goes to the service as is."""
    refs = {"calendar": BusinessCalendar, "escalate_to_group": Group, "escalate_to_user": User}
    for field, model in refs.items():
        if field in data:
            data[field] = _ref(model, data[field], field)
    if "conditions" in data:
        conditions = dict(data["conditions"] or {})
        if isinstance(conditions.get("priority"), list):
            conditions["priority"] = [
                priority_ref(p) if isinstance(p, str | int) else p for p in conditions["priority"]
            ]
        check_condition_ids(conditions)
        data["conditions"] = conditions
    if data.get("targets") is not None:
        data["targets"] = [{**t, "priority": priority_ref(t["priority"])} for t in data["targets"]]
    return data


@router.get("/sla/policies", response={200: list[PolicyOut], **COMMON_ERRORS})
def policies_list(request):
    """In match order: a ticket gets the first active policy it matches."""
    require_staff(request.auth)
    return list(_policies())


@router.post("/sla/policies", response={201: PolicyOut, **COMMON_ERRORS})
def policies_create(request, payload: PolicyIn):
    actor = require_admin(request.auth)
    policy = svc.policy_save(actor=actor, policy=None, **_policy_values(payload.dict()))
    return Status(201, get_or_404(SlaPolicy, policy.pk, _policies()))


@router.get("/sla/policies/{int:policy_id}", response={200: PolicyOut, **COMMON_ERRORS})
def policies_get(request, policy_id: Id):
    require_staff(request.auth)
    return get_or_404(SlaPolicy, policy_id, _policies())


@router.patch("/sla/policies/{int:policy_id}", response={200: PolicyOut, **COMMON_ERRORS})
def policies_update(request, policy_id: Id, payload: PolicyPatchIn):
    actor = require_admin(request.auth)
    policy = get_or_404(SlaPolicy, policy_id)
    data = payload.dict(exclude_unset=True)
    targets = data.pop("targets", None)
    values = _policy_values({**data, "targets": targets})
    svc.policy_save(actor=actor, policy=policy, **values)
    return get_or_404(SlaPolicy, policy_id, _policies())


@router.delete("/sla/policies/{int:policy_id}", response={204: None, **COMMON_ERRORS})
def policies_delete(request, policy_id: Id):
    actor = require_admin(request.auth)
    svc.policy_delete(actor=actor, policy=get_or_404(SlaPolicy, policy_id))
    return HttpResponse(status=204)
