"""Reading agents' load and eligibility (no writes)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from okno.accounts.models import Role, User
from okno.assignment.models import AgentProfile, GroupAssignment
from okno.assignment.schedule import on_shift
from okno.tickets.models import StatusCategory, Ticket

# Roles that take tickets; light agents only write internal notes.
ASSIGNABLE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
# What counts against an agent's capacity.
OPEN_STATES = (StatusCategory.NEW, StatusCategory.OPEN)


@dataclass
class Candidate:
    user: User
    profile: AgentProfile | None
    open_count: int
    capacity: int | None
    on_shift: bool

    @property
    def away(self) -> bool:
        return not self.user.is_available

    @property
    def below_capacity(self) -> bool:
        return self.capacity is None or self.open_count < self.capacity

    @property
    def eligible(self) -> bool:
        return self.user.is_active and not self.away and self.on_shift and self.below_capacity


def profile_of(user: User) -> AgentProfile | None:
    try:
        return user.agent_profile
    except AgentProfile.DoesNotExist:
        return None


def open_counts(user_ids) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(
            assignee_id__in=list(user_ids), state__in=OPEN_STATES, is_deleted=False
        )
        .values("assignee_id")
        .annotate(n=Count("number"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def candidates(users, *, now: dt.datetime, group_capacity: int | None = None) -> list[Candidate]:
    """Every given user with load, capacity and shift, ordered by user id."""
    users = sorted(users, key=lambda u: u.pk)
    counts = open_counts(u.pk for u in users)
    result = []
    for user in users:
        profile = profile_of(user)
        capacity = profile.capacity if profile and profile.capacity is not None else group_capacity
        result.append(
            Candidate(
                user=user,
                profile=profile,
                open_count=counts.get(user.pk, 0),
                capacity=capacity,
                on_shift=on_shift(
                    timezone_name=user.timezone,
                    weekly_hours=profile.weekly_hours if profile else None,
                    days_off=profile.days_off if profile else None,
                    now=now,
                ),
            )
        )
    return result


def group_candidates(settings_row: GroupAssignment, *, now: dt.datetime) -> list[Candidate]:
    members = (
        settings_row.group.members.filter(is_active=True, role__in=ASSIGNABLE_ROLES)
        .select_related("agent_profile")
        .prefetch_related("agent_profile__skill_categories")
    )
    return candidates(members, now=now, group_capacity=settings_row.capacity)


def team_load(*, now: dt.datetime) -> list[Candidate]:
    """Every active agent who can take tickets, for the supervisors' team page."""
    users = (
        User.objects.filter(is_active=True, role__in=ASSIGNABLE_ROLES)
        .select_related("agent_profile")
        .prefetch_related("agent_groups")
    )
    return sorted(candidates(users, now=now), key=lambda c: (c.user.name.lower(), c.user.pk))
