"""Holidays and moved working days from the `holidays` package, plus a calendar's own dates.

`holidays` (0.108) lists public holidays per country and year, including the days
off a government moved (RU "Day off (substituted from 01/04/2025)"), and exposes the
weekend days made working in exchange as `weekend_workdays` (RU 2025-11-01). Those
working Saturdays get the calendar's usual weekday hours (the first weekday that
has any); shortened pre-holiday days are not modelled — add a custom working date
with shorter hours for them.
"""

import datetime as dt
from functools import lru_cache
from types import MappingProxyType

import holidays

from okno.sla.calendar import CalendarSpec, Interval, parse_intervals, parse_weekly

# Years around "now" each spec covers; arithmetic outside sees weekly hours only.
YEARS_BACK = 2
YEARS_AHEAD = 3


@lru_cache(maxsize=1024)
def country_days(
    country: str, subdivision: str, year: int
) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays, weekend days made working) of one country and year; cached per process."""
    if not country:
        return frozenset(), frozenset()
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    days = frozenset(day for day in found if day.year == year)
    # The package keeps this set across years on the instance; keep only this year's.
    workdays = frozenset(
        day for day in getattr(found, "weekend_workdays", ()) or () if day.year == year
    )
    return days, workdays


def supported_countries() -> dict[str, list[str]]:
    """Country code -> its subdivision codes, for the admin form's choices."""
    return {code: list(subdivs) for code, subdivs in holidays.list_supported_countries().items()}


def _usual_hours(weekly: tuple[tuple[Interval, ...], ...]) -> tuple[Interval, ...]:
    return next((day for day in weekly if day), ())


def build_spec(
    *,
    time_zone: str,
    weekly_hours: dict,
    is_24x7: bool = False,
    country: str = "",
    subdivision: str = "",
    custom_dates: list[tuple[dt.date, str, list]] = (),
    years: range,
) -> CalendarSpec:
    """A `CalendarSpec` for the given years.

    Order of precedence (later wins): weekly hours < the country's holidays and
    moved working days < the calendar's own dates ("holiday" or "working" with hours;
    a working date without hours gets the usual weekday hours).
    """
    weekly = parse_weekly(weekly_hours)
    usual = _usual_hours(weekly)
    holiday_set: set[dt.date] = set()
    working: dict[dt.date, tuple[Interval, ...]] = {}
    for year in years:
        days, workdays = country_days(country.upper(), subdivision.upper(), year)
        holiday_set |= days
        for day in workdays:
            working[day] = usual
    for day, kind, intervals in custom_dates:
        if kind == "holiday":
            holiday_set.add(day)
            working.pop(day, None)
        else:
            working[day] = parse_intervals(intervals) or usual
            holiday_set.discard(day)
    return CalendarSpec(
        tz=time_zone,
        weekly=weekly,
        holidays=frozenset(holiday_set),
        working=MappingProxyType(working),
        is_24x7=is_24x7,
    )


def years_around(today: dt.date) -> range:
    return range(today.year - YEARS_BACK, today.year + YEARS_AHEAD + 1)
