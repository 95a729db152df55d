"""/notifications…: a staff member's own notifications and preferences."""

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema

from okno.api.auth import require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.schemas.common import Id, InSchema
from okno.notifications import services
from okno.notifications.models import Kind, Notification
from okno.notifications.texts import describe

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    ticket: int | None
    text: str
    params: dict
    created_at: dt.datetime
    read_at: dt.datetime | None


class CountOut(Schema):
    count: int


class PreferenceIO(Schema):
    kind: str
    in_app: bool
    email: bool


class PreferencesIn(InSchema):
    preferences: list[PreferenceIO]


def _out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        kind=n.kind,
        ticket=n.ticket_id,
        text=describe(n),
        params=n.params,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@router.get("/notifications", response={200: list[NotificationOut], **COMMON_ERRORS})
def notification_list(
    request, unread: bool = False, limit: Annotated[int, Field(ge=1, le=200)] = 50
):
    user = require_staff(request.auth)
    rows = Notification.objects.filter(user=user, in_app=True)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [_out(n) for n in rows[:limit]]


@router.post("/notifications/{int:notification_id}/read", response={200: CountOut, **COMMON_ERRORS})
def notification_read(request, notification_id: Id):
    user = require_staff(request.auth)
    return CountOut(count=services.mark_read(user=user, ids=[notification_id]))


@router.post("/notifications/read-all", response={200: CountOut, **COMMON_ERRORS})
def notification_read_all(request):
    user = require_staff(request.auth)
    return CountOut(count=services.mark_all_read(user=user))


@router.get("/notifications/preferences", response={200: list[PreferenceIO], **COMMON_ERRORS})
def preferences_get(request):
    user = require_staff(request.auth)
    return [
        PreferenceIO(kind=kind, in_app=in_app, email=email)
        for kind, (in_app, email) in services.preferences_for(user).items()
    ]


@router.put("/notifications/preferences", response={200: list[PreferenceIO], **COMMON_ERRORS})
def preferences_put(request, payload: PreferencesIn):
    user = require_staff(request.auth)
    services.preferences_save(
        user=user,
        choices={p.kind: (p.in_app, p.email) for p in payload.preferences if p.kind in Kind.values},
    )
    return preferences_get(request)
