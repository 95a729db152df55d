"""/assignment/…: group settings and agent profiles (administrators write), the team's
load (supervisors and administrators), and each agent's own away switch."""

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Field, Router, Schema

from okno.accounts.models import Group, User
from okno.api.auth import require_admin, require_manager, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.common import Id, InSchema
from okno.assignment import services
from okno.assignment.models import AgentProfile, GroupAssignment, Mode
from okno.assignment.selectors import ASSIGNABLE_ROLES, team_load
from okno.tickets.models import Category

router = Router(tags=["assignment"])
MAX_CAPACITY = 32767  # a PositiveSmallIntegerField


class GroupAssignmentIn(InSchema):
    mode: str = Field(Mode.OFF, description="off, round_robin, least_open or skills")
    capacity: int | None = Field(
        None, ge=0, le=MAX_CAPACITY, description="Open tickets per agent; null: no limit"
    )
    keep_previous_assignee: bool = False


class GroupAssignmentOut(Schema):
    group: int
    mode: str
    capacity: int | None
    keep_previous_assignee: bool


class AgentProfileIn(InSchema):
    capacity: int | None = Field(None, ge=0, le=MAX_CAPACITY)
    skill_categories: list[Id] = Field(default_factory=list, max_length=500)
    skill_tags: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, max_length=200
    )
    weekly_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict, description='"0" (Monday) … "6": [["09:00", "18:00"]]; empty: always'
    )
    days_off: list[dt.date] = []


class AgentProfileOut(Schema):
    user: int
    capacity: int | None
    skill_categories: list[int]
    skill_tags: list[str]
    weekly_hours: dict
    days_off: list[str]


class AgentLoadOut(Schema):
    user: int
    name: str
    open_tickets: int
    capacity: int | None
    on_shift: bool
    away: bool


class AvailabilityIn(InSchema):
    away: bool


def _group_out(group: Group) -> GroupAssignmentOut:
    row = GroupAssignment.objects.filter(group=group).first()
    return GroupAssignmentOut(
        group=group.pk,
        mode=row.mode if row else Mode.OFF,
        capacity=row.capacity if row else None,
        keep_previous_assignee=bool(row and row.keep_previous_assignee),
    )


def _profile_out(user: User) -> AgentProfileOut:
    profile = AgentProfile.objects.filter(user=user).first()
    if profile is None:
        return AgentProfileOut(
            user=user.pk,
            capacity=None,
            skill_categories=[],
            skill_tags=[],
            weekly_hours={},
            days_off=[],
        )
    return AgentProfileOut(
        user=user.pk,
        capacity=profile.capacity,
        skill_categories=sorted(profile.skill_categories.values_list("pk", flat=True)),
        skill_tags=profile.skill_tags,
        weekly_hours=profile.weekly_hours,
        days_off=profile.days_off,
    )


@router.get(
    "/assignment/groups/{int:group_id}", response={200: GroupAssignmentOut, **COMMON_ERRORS}
)
def group_get(request, group_id: Id):
    require_staff(request.auth)
    return _group_out(get_or_404(Group, group_id))


@router.put(
    "/assignment/groups/{int:group_id}", response={200: GroupAssignmentOut, **COMMON_ERRORS}
)
def group_put(request, group_id: Id, payload: GroupAssignmentIn):
    actor = require_admin(request.auth)
    group = get_or_404(Group, group_id)
    services.group_assignment_save(actor=actor, group=group, **payload.model_dump())
    return _group_out(group)


@router.get("/assignment/agents/{int:user_id}", response={200: AgentProfileOut, **COMMON_ERRORS})
def agent_get(request, user_id: Id):
    require_staff(request.auth)
    return _profile_out(get_or_404(User, user_id, User.objects.filter(role__in=ASSIGNABLE_ROLES)))


@router.put("/assignment/agents/{int:user_id}", response={200: AgentProfileOut, **COMMON_ERRORS})
def agent_put(request, user_id: Id, payload: AgentProfileIn):
    actor = require_admin(request.auth)
    user = get_or_404(User, user_id, User.objects.filter(role__in=ASSIGNABLE_ROLES))
    services.agent_profile_save(
        actor=actor,
        user=user,
        capacity=payload.capacity,
        skill_categories=Category.objects.filter(pk__in=payload.skill_categories),
        skill_tags=payload.skill_tags,
        weekly_hours=payload.weekly_hours,
        days_off=[d.isoformat() for d in payload.days_off],
    )
    return _profile_out(user)


@router.get("/assignment/team", response={200: list[AgentLoadOut], **COMMON_ERRORS})
def team(request):
    require_manager(request.auth)
    return [
        AgentLoadOut(
            user=c.user.pk,
            name=c.user.name,
            open_tickets=c.open_count,
            capacity=c.capacity,
            on_shift=c.on_shift,
            away=c.away,
        )
        for c in team_load(now=timezone.now())
    ]


@router.post("/assignment/availability", response={200: AvailabilityIn, **COMMON_ERRORS})
def availability(request, payload: AvailabilityIn):
    user = require_staff(request.auth)
    services.agent_set_away(user=user, away=payload.away)
    return AvailabilityIn(away=not user.is_available)
