"""Is an agent on shift now? Their weekly hours in their own time zone, minus days
off, evaluated with the SLA engine's business-time helpers."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from okno.sla.calendar import CalendarSpec, is_working, parse_weekly


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


def _dates(values) -> frozenset[dt.date]:
    days = set()
    for value in values or ():
        try:
            days.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            continue  # a malformed entry must not take the agent off every shift
    return frozenset(days)


def on_shift(*, timezone_name: str, weekly_hours: dict | None, days_off, now: dt.datetime) -> bool:
    """True when `now` falls in the agent's working hours.

    An agent without weekly hours is always on shift except on a day off (in their
    own time zone); a malformed schedule counts as no schedule.
    """
    zone = _zone_name(timezone_name)
    off = _dates(days_off)
    try:
        weekly = parse_weekly(weekly_hours or {})
    except (ValueError, TypeError, IndexError):
        weekly = ((),) * 7
    if not any(weekly):
        return now.astimezone(ZoneInfo(zone)).date() not in off
    return is_working(CalendarSpec(tz=zone, weekly=weekly, holidays=off), now)
