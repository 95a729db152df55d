"""Business-time arithmetic: properties (hypothesis) and hand-computed answers."""

import datetime as dt
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okno.sla.calendar import (
    CalendarSpec,
    NoWorkingTime,
    add,
    between,
    is_span_end,
    is_working,
    parse_intervals,
    parse_weekly,
)

UTC = dt.UTC
OFFICE = {str(d): [["09:00", "13:00"], ["14:00", "18:00"]] for d in range(5)}
NIGHT = {str(d): [["00:00", "03:00"], ["22:00", "24:00"]] for d in range(7)}


def spec(tz="Europe/Moscow", weekly=None, holidays=(), working=None, is_24x7=False):
    return CalendarSpec(
        tz=tz,
        weekly=parse_weekly(
            weekly if weekly is not None else {str(d): [["09:00", "18:00"]] for d in range(5)}
        ),
        holidays=frozenset(holidays),
        working=MappingProxyType(working or {}),
        is_24x7=is_24x7,
    )


def local(tz, *args):
    return dt.datetime(*args, tzinfo=ZoneInfo(tz))


CALENDARS = [
    spec("Europe/Kyiv", OFFICE),
    spec("America/New_York", {str(d): [["00:00", "24:00"]] for d in range(5)}),
    # Intervals across the DST wall-clock hours (02:00-03:00 vanishes / repeats).
    spec("America/New_York", {str(d): [["01:00", "04:00"], ["12:00", "13:00"]] for d in range(7)}),
    spec("Europe/Kyiv", {str(d): [["02:30", "04:30"], ["23:00", "24:00"]] for d in range(7)}),
    spec("Europe/Moscow", NIGHT),
    # Holidays glued to weekends: Friday 2025-05-02 and Monday 2025-05-12.
    spec(
        "Europe/Moscow",
        holidays=[dt.date(2025, 5, 2), dt.date(2025, 5, 12), dt.date(2025, 5, 9)],
        working={dt.date(2025, 5, 10): parse_intervals([["10:00", "12:00"]])},
    ),  # fmt: skip
    spec("UTC", is_24x7=True),
]

moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=20))


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), start=moments, duration=durations)
def test_between_undoes_add(calendar, start, duration):
    due = add(calendar, start, duration)
    assert due > start
    assert between(calendar, start, due) == duration
    assert between(calendar, due, start) == -duration


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), start=moments, duration=durations)
def test_due_is_in_working_time_or_at_an_interval_end(calendar, start, duration):
    due = add(calendar, start, duration)
    assert is_working(calendar, due) or is_span_end(calendar, due)


@settings(max_examples=200, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), a=moments, b=moments, c=moments)
def test_between_adds_up(calendar, a, b, c):
    a, b, c = sorted([a, b, c])
    assert between(calendar, a, b) + between(calendar, b, c) == between(calendar, a, c)
    assert between(calendar, a, c) <= c - a


def test_friday_evening_is_due_monday_morning():
    calendar = spec()
    due = add(calendar, local("Europe/Moscow", 2025, 3, 14, 17, 0), dt.timedelta(hours=2))
    assert due == local("Europe/Moscow", 2025, 3, 17, 10, 0)


def test_lunch_break_is_not_working_time():
    calendar = spec("Europe/Kyiv", OFFICE)
    due = add(calendar, local("Europe/Kyiv", 2025, 3, 10, 12, 0), dt.timedelta(hours=2))
    assert due == local("Europe/Kyiv", 2025, 3, 10, 15, 0)


def test_ending_exactly_at_the_end_of_the_day_stays_there():
    calendar = spec()
    due = add(calendar, local("Europe/Moscow", 2025, 3, 14, 16, 0), dt.timedelta(hours=2))
    assert due == local("Europe/Moscow", 2025, 3, 14, 18, 0)


def test_interval_to_midnight():
    calendar = spec("Europe/Moscow", NIGHT)
    start = local("Europe/Moscow", 2025, 3, 14, 23, 0)
    due = add(calendar, start, dt.timedelta(hours=2))
    assert due == local("Europe/Moscow", 2025, 3, 15, 1, 0)
    assert between(calendar, start, due) == dt.timedelta(hours=2)


def test_spring_forward_counts_real_hours_new_york():
    # 2025-03-09: 02:00 EST jumps to 03:00 EDT; "00:00-24:00" that Sunday is 23 hours.
    calendar = spec("America/New_York", {str(d): [["00:00", "24:00"]] for d in range(7)})
    day = local("America/New_York", 2025, 3, 9, 0, 0)
    night = local("America/New_York", 2025, 3, 10, 0, 0)
    assert between(calendar, day, night) == dt.timedelta(hours=23)
    assert add(calendar, day, dt.timedelta(hours=3)) == local("America/New_York", 2025, 3, 9, 4, 0)


def test_fall_back_counts_the_repeated_hour_kyiv():
    # 2025-10-26: 04:00 EEST goes back to 03:00 EET; 00:00-24:00 is 25 hours.
    calendar = spec("Europe/Kyiv", {str(d): [["00:00", "24:00"]] for d in range(7)})
    day = local("Europe/Kyiv", 2025, 10, 26, 0, 0)
    assert between(calendar, day, local("Europe/Kyiv", 2025, 10, 27, 0, 0)) == dt.timedelta(
        hours=25
    )


def test_office_hours_on_a_dst_day_are_unchanged():
    calendar = spec("Europe/Kyiv", OFFICE)
    start = local("Europe/Kyiv", 2025, 3, 28, 17, 0)  # Friday; DST starts Sunday 30th
    assert add(calendar, start, dt.timedelta(hours=2)) == local("Europe/Kyiv", 2025, 3, 31, 10, 0)


def test_holiday_next_to_a_weekend_is_skipped():
    calendar = spec(holidays=[dt.date(2025, 5, 12)])  # Monday after a weekend
    start = local("Europe/Moscow", 2025, 5, 9, 17, 0)  # Friday
    due = add(calendar, start, dt.timedelta(hours=2))
    assert due == local("Europe/Moscow", 2025, 5, 13, 10, 0)


def test_extra_working_saturday_is_used():
    calendar = spec(working={dt.date(2025, 11, 1): parse_intervals([["09:00", "18:00"]])})
    start = local("Europe/Moscow", 2025, 10, 31, 17, 0)
    assert add(calendar, start, dt.timedelta(hours=2)) == local("Europe/Moscow", 2025, 11, 1, 10, 0)


def test_24x7_is_plain_time():
    calendar = spec(is_24x7=True)
    start = dt.datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert add(calendar, start, dt.timedelta(hours=30)) == start + dt.timedelta(hours=30)


def test_a_calendar_without_hours_says_so():
    with pytest.raises(NoWorkingTime):
        add(spec(weekly={}), dt.datetime(2025, 1, 1, tzinfo=UTC), dt.timedelta(minutes=1))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add(spec(), dt.datetime(2025, 1, 1), dt.timedelta(minutes=1))  # noqa: DTZ001


def test_intervals_are_validated():
    with pytest.raises(ValueError):
        parse_intervals([["18:00", "09:00"]])
    with pytest.raises(ValueError):
        parse_intervals([["09:00", "25:00"]])
    assert parse_intervals([["14:00", "18:00"], ["09:00", "14:00"]]) == ((32400, 64800),)


@settings(max_examples=200, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS[:4]),
    start=moments,
    duration=durations,
    zone=st.sampled_from(["Europe/Kyiv", "America/New_York"]),
)
def test_inputs_in_a_local_zone_give_the_same_answers(calendar, start, duration, zone):
    in_zone = start.astimezone(ZoneInfo(zone))
    assert add(calendar, in_zone, duration) == add(calendar, start, duration)
    later = in_zone + duration  # same zone on both sides: Python would subtract wall clocks
    assert between(calendar, in_zone, later) == between(calendar, start, later.astimezone(UTC))
