"""Auto-assignment: who gets a new ticket, and the settings that decide it.

`assign_ticket_automatically(ticket)` is the one entry point: the event handler
calls it for new tickets and tickets moved to another group, and the automation
rules call it for their "assign round robin" action.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.accounts.models import Group, User
from okno.assignment.models import AgentProfile, GroupAssignment, Mode
from okno.assignment.schedule import on_shift
from okno.assignment.selectors import Candidate, group_candidates
from okno.core.actors import SystemActor
from okno.core.errors import NotAllowed, ValidationFailed
from okno.tickets.models import Ticket
from okno.tickets.permissions import staff_can_manage
from okno.tickets.services import ticket_update

AUTO_ASSIGNMENT = SystemActor(label="Auto-assignment")


def _round_robin(eligible: list[Candidate], last_id: int | None) -> Candidate:
    """The next agent after the last one assigned, by user id, wrapping around."""
    if last_id is not None:
        for candidate in eligible:
            if candidate.user.pk > last_id:
                return candidate
    return eligible[0]


def _least_open(eligible: list[Candidate]) -> Candidate:
    """Fewest open tickets; ties go to whoever got a ticket longest ago (never first)."""
    never = dt.datetime.min.replace(tzinfo=dt.UTC)

    def key(c: Candidate):
        last = c.profile.last_assigned_at if c.profile and c.profile.last_assigned_at else never
        return (c.open_count, last, c.user.pk)

    return min(eligible, key=key)


def _skilled(eligible: list[Candidate], ticket: Ticket) -> list[Candidate]:
    tags = {name.lower() for name in ticket.tags.values_list("name", flat=True)}
    matched = []
    for c in eligible:
        if c.profile is None:
            continue
        categories = {cat.pk for cat in c.profile.skill_categories.all()}
        skill_tags = {str(t).lower() for t in (c.profile.skill_tags or [])}
        if (ticket.category_id and ticket.category_id in categories) or (tags & skill_tags):
            matched.append(c)
    return matched


def _account_manager(ticket: Ticket, pool: dict[int, Candidate]) -> Candidate | None:
    """The contact's, else the organization's, account manager if working in this group
    now (on shift, not away). Capacity does not hold a key customer back."""
    contact = ticket.contact
    for manager_id in (
        contact.account_manager_id,
        contact.organization.account_manager_id if contact.organization_id else None,
        ticket.organization.account_manager_id if ticket.organization_id else None,
    ):
        candidate = pool.get(manager_id) if manager_id else None
        if candidate and not candidate.away and candidate.on_shift:
            return candidate
    return None


def _previous_assignee(ticket: Ticket, pool: dict[int, Candidate]) -> Candidate | None:
    previous = (
        Ticket.objects.filter(
            contact_id=ticket.contact_id, assignee__isnull=False, is_deleted=False
        )
        .exclude(number=ticket.number)
        .order_by("-created_at", "-number")
        .values_list("assignee_id", flat=True)
        .first()
    )
    candidate = pool.get(previous) if previous else None
    return candidate if candidate and candidate.eligible else None


def choose_assignee(
    settings_row: GroupAssignment, ticket: Ticket, *, now: dt.datetime
) -> Candidate | None:
    """Pick the agent for `ticket` (pure reading; the caller holds the group lock).

    1. The contact's or organization's account manager, if a working member.
    2. With the returning-customer setting, the assignee of the contact's last ticket.
    3. By the group's mode among eligible members (active, not away, on shift,
       below capacity): round robin, fewest open tickets, or skills (falling back to
       fewest open tickets when nobody's skills match).
    """
    pool = {c.user.pk: c for c in group_candidates(settings_row, now=now)}
    chosen = _account_manager(ticket, pool)
    if chosen is None and settings_row.keep_previous_assignee:
        chosen = _previous_assignee(ticket, pool)
    if chosen is not None:
        return chosen
    eligible = [c for c in pool.values() if c.eligible]
    if not eligible:
        return None
    if settings_row.mode == Mode.ROUND_ROBIN:
        return _round_robin(eligible, settings_row.last_assignee_id)
    if settings_row.mode == Mode.SKILLS:
        return _least_open(_skilled(eligible, ticket) or eligible)
    return _least_open(eligible)


def assign_ticket_automatically(ticket: Ticket, *, actor=AUTO_ASSIGNMENT) -> User | None:
    """Assign an unassigned ticket by its group's settings; returns the assignee or None.

    Does nothing when the ticket is already assigned, deleted or done, has no group,
    or its group's mode is off (or nobody is eligible). Safe to call from many
    workers at once: the group's settings row is locked (SELECT … FOR UPDATE on
    PostgreSQL; on SQLite the IMMEDIATE transaction holds the database write lock),
    so loads and the round-robin pointer are read and moved by one worker at a time,
    and the ticket is re-read under the lock so it is never assigned twice.
    The change is written by `ticket_update` as `actor` ("Auto-assignment").
    """
    now = timezone.now()
    with transaction.atomic():
        current = (
            Ticket.objects.select_related("contact__organization", "organization")
            .filter(number=ticket.number, is_deleted=False)
            .first()
        )
        if current is None or current.assignee_id or not current.group_id or current.is_done:
            return None
        settings_row = (
            GroupAssignment.objects.select_for_update()
            .select_related("group")
            .filter(group_id=current.group_id)
            .first()
        )
        if settings_row is None or settings_row.mode == Mode.OFF:
            return None
        # Re-read under the lock: another worker may have assigned it meanwhile.
        if Ticket.objects.filter(number=current.number, assignee__isnull=False).exists():
            return None
        chosen = choose_assignee(settings_row, current, now=now)
        if chosen is None:
            return None
        ticket_update(ticket=current, actor=actor, changes={"assignee": chosen.user})
        settings_row.last_assignee = chosen.user
        settings_row.save(update_fields=["last_assignee"])
        AgentProfile.objects.update_or_create(user=chosen.user, defaults={"last_assigned_at": now})
    return chosen.user


# --- availability and settings -----------------------------------------------------------


def agent_set_away(*, user: User, away: bool) -> User:
    """An agent marks themself away (no new tickets) or available again."""
    User.objects.filter(pk=user.pk).update(is_available=not away)
    user.is_available = not away
    return user


def is_on_shift(user: User, *, now: dt.datetime | None = None) -> bool:
    profile = AgentProfile.objects.filter(user=user).first()
    return on_shift(
        timezone_name=user.timezone,
        weekly_hours=profile.weekly_hours if profile else None,
        days_off=profile.days_off if profile else None,
        now=now or timezone.now(),
    )


def _require_admin(actor) -> None:
    if not staff_can_manage(actor, "settings"):
        raise NotAllowed(_("Only administrators can change assignment settings."))


def group_assignment_save(
    *,
    actor,
    group: Group,
    mode: str,
    capacity: int | None = None,
    keep_previous_assignee: bool = False,
) -> GroupAssignment:
    _require_admin(actor)
    if mode not in Mode.values:
        raise ValidationFailed(_("Unknown assignment mode."), field="mode")
    if capacity is not None and capacity < 0:
        raise ValidationFailed(_("Capacity cannot be negative."), field="capacity")
    row, _created = GroupAssignment.objects.update_or_create(
        group=group,
        defaults={
            "mode": mode,
            "capacity": capacity,
            "keep_previous_assignee": keep_previous_assignee,
        },
    )
    return row


def _check_week(weekly_hours) -> dict:
    from okno.sla.admin_checks import check_intervals

    if not isinstance(weekly_hours, dict):
        raise ValidationFailed(_("Weekly hours must map days to intervals."), field="weekly_hours")
    clean = {}
    for key, pairs in weekly_hours.items():
        if str(key) not in {str(d) for d in range(7)}:
            raise ValidationFailed(_("Days are 0 (Monday) to 6."), field="weekly_hours")
        check_intervals(pairs, field=f"weekly_hours.{key}")
        if pairs:
            clean[str(key)] = [[str(a), str(b)] for a, b in pairs]
    return clean


def _check_days_off(days_off) -> list[str]:
    clean = []
    for value in days_off or []:
        try:
            clean.append(dt.date.fromisoformat(str(value).strip()).isoformat())
        except ValueError:
            raise ValidationFailed(
                _("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}, field="days_off"
            )
    return sorted(set(clean))


def agent_profile_save(
    *,
    actor,
    user: User,
    capacity: int | None = None,
    skill_categories=(),
    skill_tags=(),
    weekly_hours: dict | None = None,
    days_off=(),
) -> AgentProfile:
    """Capacity, skills and schedule of an agent (administrators)."""
    _require_admin(actor)
    if capacity is not None and capacity < 0:
        raise ValidationFailed(_("Capacity cannot be negative."), field="capacity")
    tags = sorted({" ".join(str(t).split()).lower() for t in skill_tags if str(t).strip()})
    with transaction.atomic():
        profile, _created = AgentProfile.objects.update_or_create(
            user=user,
            defaults={
                "capacity": capacity,
                "skill_tags": tags,
                "weekly_hours": _check_week(weekly_hours or {}),
                "days_off": _check_days_off(days_off),
            },
        )
        profile.skill_categories.set(list(skill_categories))
    return profile
