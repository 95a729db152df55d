"""Managing business calendars and SLA policies (the admin UI and the API call these).

Every change that can move a due time queues a recompute of all open tickets after
the commit (`okno.sla.tasks.recompute_open_clocks`), so pages stay fast and the
clocks follow the new rules within a minute.
"""

import datetime as dt
import zoneinfo

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed
from okno.sla.calendar import format_time, parse_intervals, parse_time, parse_weekly
from okno.sla.models import (
    BusinessCalendar,
    CalendarDate,
    DateKind,
    Metric,
    SlaPolicy,
    SlaTarget,
)
from okno.tickets.catalog import catalog_changed
from okno.tickets.models import Channel, Priority

CONDITION_KEYS = {"priority", "category", "group", "organization", "channel", "tags"}
DAYS = [str(day) for day in range(7)]  # "0" = Monday, the keys of weekly_hours


def country_choices() -> list[tuple[str, str]]:
    """(code, English name) of every country `holidays` knows, by name."""
    from holidays import registry

    names = {entry[1]: entry[0] for entry in registry.COUNTRIES.values()}
    supported = holidays.list_supported_countries()
    return sorted(((code, names.get(code, code)) for code in supported), key=lambda c: c[1])


def format_intervals(intervals) -> str:
    """[["09:00", "13:00"], ["14:00", "18:00"]] -> "09:00-13:00, 14:00-18:00"."""
    return ", ".join(f"{start}-{end}" for start, end in intervals or [])


def parse_intervals_text(text: str, *, field: str = "hours") -> list[list[str]]:
    """ "09:00-13:00, 14:00-18:00" -> [["09:00", "13:00"], ["14:00", "18:00"]]."""
    result = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        start, sep, end = part.replace("–", "-").partition("-")
        if not sep:
            raise ValidationFailed(_("Hours must look like 09:00-18:00."), field=field)
        try:
            pair = [format_time(parse_time(start)), format_time(parse_time(end))]
            parse_intervals([pair])
        except (ValueError, TypeError):
            raise ValidationFailed(_("Hours must look like 09:00-18:00."), field=field)
        result.append(pair)
    return result


def _schedule_recompute() -> None:
    # The loaded rules go first (before the recompute reads them): some writes here
    # (bulk_create, update) send no signal to the catalog.
    catalog_changed()

    def enqueue():
        from okno.sla.tasks import recompute_open_clocks

        recompute_open_clocks()

    transaction.on_commit(enqueue)


def _clean_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    return name[:100]


def _clean_calendar(fields: dict) -> dict:
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = _clean_name(clean["name"])
    if "time_zone" in clean:
        try:
            zoneinfo.ZoneInfo(clean["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(_("Unknown time zone."), field="time_zone")
    if "weekly_hours" in clean:
        week = clean["weekly_hours"] or {}
        if not isinstance(week, dict) or set(week) - {str(d) for d in range(7)}:
            raise ValidationFailed(_("Give hours for days 0 (Monday) to 6."), field="weekly_hours")
        for day in DAYS:
            try:
                parse_intervals(week.get(day) or [])
            except (ValueError, TypeError, IndexError):
                raise ValidationFailed(
                    _("Hours must look like 09:00-18:00."), field=f"weekly_hours.{day}"
                )
        parse_weekly(week)
        clean["weekly_hours"] = {str(d): week.get(str(d), []) for d in range(7)}
    if clean.get("country"):
        country = clean["country"].upper()
        supported = holidays.list_supported_countries()
        if country not in supported:
            raise ValidationFailed(_("Holidays of this country are not known."), field="country")
        subdivision = (clean.get("subdivision") or "").upper()
        if subdivision and subdivision not in supported[country]:
            raise ValidationFailed(_("Unknown region of this country."), field="subdivision")
        clean["country"], clean["subdivision"] = country, subdivision
    return clean


def calendar_create(**fields) -> BusinessCalendar:
    """Fields: name, time_zone, is_24x7, country, subdivision, weekly_hours."""
    clean = _clean_calendar(fields)
    if BusinessCalendar.objects.filter(name=clean.get("name")).exists():
        raise ValidationFailed(_("A calendar with this name exists."), field="name")
    return BusinessCalendar.objects.create(**clean)


def calendar_update(*, calendar: BusinessCalendar, **fields) -> BusinessCalendar:
    clean = _clean_calendar(fields)
    if "name" in clean and (
        BusinessCalendar.objects.filter(name=clean["name"]).exclude(pk=calendar.pk).exists()
    ):
        raise ValidationFailed(_("A calendar with this name exists."), field="name")
    with transaction.atomic():
        for key, value in clean.items():
            setattr(calendar, key, value)
        calendar.updated_at = timezone.now()
        calendar.save()
        _schedule_recompute()
    return calendar


def calendar_delete(*, calendar: BusinessCalendar, actor=None) -> None:
    if calendar.policies.exists():
        raise ValidationFailed(_("Policies use this calendar."), field="calendar")
    calendar.delete()


def calendar_date_set(
    *,
    calendar: BusinessCalendar,
    date: dt.date,
    kind: str,
    name: str = "",
    intervals=(),
    actor=None,
) -> CalendarDate:
    """Add or replace a custom day off or working day (with its hours) of a calendar."""
    if kind not in DateKind.values:
        raise ValidationFailed(_("Choose a day off or a working day."), field="kind")
    intervals = list(intervals or []) if kind == DateKind.WORKING else []
    try:
        parse_intervals(intervals)
    except (ValueError, TypeError, IndexError):
        raise ValidationFailed(_("Hours must look like 09:00-18:00."), field="intervals")
    with transaction.atomic():
        row, _created = CalendarDate.objects.update_or_create(
            calendar=calendar,
            date=date,
            defaults={"kind": kind, "name": name[:100], "intervals": intervals},
        )
        BusinessCalendar.objects.filter(pk=calendar.pk).update(updated_at=timezone.now())
        _schedule_recompute()
    return row


def calendar_date_delete(*, calendar_date: CalendarDate, actor=None) -> None:
    with transaction.atomic():
        calendar_date.delete()
        BusinessCalendar.objects.filter(pk=calendar_date.calendar_id).update(
            updated_at=timezone.now()
        )
        _schedule_recompute()


def _clean_conditions(conditions: dict) -> dict:
    conditions = conditions or {}
    unknown = set(conditions) - CONDITION_KEYS - {"custom_fields"}
    if unknown:
        raise ValidationFailed(_("Unknown condition."), field="conditions")
    clean = {}
    for key in CONDITION_KEYS:
        values = conditions.get(key) or []
        if not isinstance(values, list):
            raise ValidationFailed(_("Conditions are lists."), field=f"conditions.{key}")
        if key == "priority" and any(v not in Priority.values for v in values):
            raise ValidationFailed(_("Unknown priority."), field="conditions.priority")
        if key == "channel" and any(v not in Channel.values for v in values):
            raise ValidationFailed(_("Unknown channel."), field="conditions.channel")
        if values:
            clean[key] = values
    custom = conditions.get("custom_fields") or {}
    if not isinstance(custom, dict):
        raise ValidationFailed(_("Conditions are lists."), field="conditions.custom_fields")
    if custom:
        clean["custom_fields"] = custom
    return clean


POLICY_FIELDS = {
    "name",
    "position",
    "active",
    "calendar",
    "conditions",
    "pause_on_pending",
    "pause_on_on_hold",
    "warning_percent",
    "raise_priority",
    "escalate_to_group",
    "escalate_to_user",
}


def _clean_policy(fields: dict) -> dict:
    unknown = set(fields) - POLICY_FIELDS
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = _clean_name(clean["name"])
    if "conditions" in clean:
        clean["conditions"] = _clean_conditions(clean["conditions"])
    if "warning_percent" in clean and not 1 <= int(clean["warning_percent"]) <= 100:
        raise ValidationFailed(_("Warn between 1 and 100 %."), field="warning_percent")
    return clean


def _set_targets(policy: SlaPolicy, targets) -> None:
    """targets: [{"priority": 4, "metric": "first_response", "minutes": 60,
    "business_time": True}, …] replaces all of the policy's targets."""
    rows = []
    seen = set()
    for item in targets:
        priority, metric = item.get("priority"), item.get("metric")
        minutes = item.get("minutes")
        if priority not in Priority.values:
            raise ValidationFailed(_("Unknown priority."), field="targets.priority")
        if metric not in Metric.values:
            raise ValidationFailed(_("Unknown target."), field="targets.metric")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise ValidationFailed(_("A target is at least one minute."), field="targets.minutes")
        if (priority, metric) in seen:
            raise ValidationFailed(_("One target per priority and kind."), field="targets")
        seen.add((priority, metric))
        rows.append(
            SlaTarget(
                policy=policy,
                priority=priority,
                metric=metric,
                minutes=minutes,
                business_time=bool(item.get("business_time", True)),
            )
        )
    policy.targets.all().delete()
    SlaTarget.objects.bulk_create(rows)


def policy_create(*, targets=(), **fields) -> SlaPolicy:
    clean = _clean_policy(fields)
    if "position" not in clean:
        last = SlaPolicy.objects.order_by("-position").values_list("position", flat=True).first()
        clean["position"] = (last or 0) + 10
    with transaction.atomic():
        policy = SlaPolicy.objects.create(**clean)
        _set_targets(policy, targets)
        _schedule_recompute()
    return policy


def policy_update(*, policy: SlaPolicy, targets=None, **fields) -> SlaPolicy:
    """Change fields; `targets`, when given, replaces all targets."""
    clean = _clean_policy(fields)
    with transaction.atomic():
        for key, value in clean.items():
            setattr(policy, key, value)
        policy.updated_at = timezone.now()
        policy.save()
        if targets is not None:
            _set_targets(policy, targets)
        _schedule_recompute()
    return policy


def policy_delete(*, policy: SlaPolicy, actor=None) -> None:
    """Open clocks under it are recomputed (another policy, or none: cancelled)."""
    with transaction.atomic():
        policy.delete()
        _schedule_recompute()


def policy_reorder(*, ids: list[int]) -> None:
    """Positions follow the given order of policy ids (first match wins)."""
    with transaction.atomic():
        for position, pk in enumerate(ids):
            SlaPolicy.objects.filter(pk=pk).update(position=(position + 1) * 10)
        _schedule_recompute()


# --- the interface of the settings pages (one "save" per form, with the acting user) ---


def calendar_save(*, actor, calendar: BusinessCalendar | None, **fields) -> BusinessCalendar:
    if calendar is None:
        return calendar_create(**fields)
    return calendar_update(calendar=calendar, **fields)


def calendar_date_save(*, actor, calendar: BusinessCalendar, **fields) -> CalendarDate:
    return calendar_date_set(calendar=calendar, **fields)


def policy_save(*, actor, policy: SlaPolicy | None, targets=None, **fields) -> SlaPolicy:
    if policy is None:
        return policy_create(targets=targets or (), **fields)
    return policy_update(policy=policy, targets=targets, **fields)


def policy_move(*, actor, policy: SlaPolicy, offset: int) -> None:
    """Move a policy up (-1) or down (+1) in the match order."""
    ids = list(SlaPolicy.objects.order_by("position", "id").values_list("id", flat=True))
    index = ids.index(policy.pk)
    other = index + offset
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        policy_reorder(ids=ids)
