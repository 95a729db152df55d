"""Business-time arithmetic: pure functions over a frozen `CalendarSpec` (no Django).

A calendar is a time zone, working intervals per weekday, a set of holidays and a
map of extra working dates (a Saturday made working) with their own intervals. A
duration in business time is real elapsed time inside working intervals, so a day
with a daylight-saving change counts the hours that really passed.

`add(spec, start, duration)` and `between(spec, a, b)` are inverses:
`between(spec, start, add(spec, start, d)) == d` for every d >= 0 (microsecond
exact: everything is `datetime`/`timedelta`, no floats).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from zoneinfo import ZoneInfo

UTC = dt.UTC
DAY = 86_400
ONE_DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
# How far `add` looks for working time before deciding a calendar has none.
MAX_DAYS = 3 * 366
_CACHE_LIMIT = 20_000

Interval = tuple[int, int]  # seconds since local midnight, end may be 86400 ("24:00")


class NoWorkingTime(ValueError):
    """The calendar has no working time within MAX_DAYS of the start."""


def parse_time(text: str) -> int:
    """ "09:30" -> 34200 seconds; "24:00" is the end of the day."""
    hours, _sep, minutes = str(text).strip().partition(":")
    value = int(hours) * 3600 + int(minutes or 0) * 60
    if not 0 <= value <= DAY:
        raise ValueError(f"time out of range: {text!r}")
    return value


def format_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def parse_intervals(pairs: Iterable) -> tuple[Interval, ...]:
    """[["09:00", "13:00"], ["14:00", "18:00"]] -> sorted, merged second pairs.

    Raises ValueError on an empty or inverted interval.
    """
    parsed = []
    for pair in pairs or ():
        start, end = parse_time(pair[0]), parse_time(pair[1])
        if end <= start:
            raise ValueError(f"interval ends before it starts: {pair!r}")
        parsed.append((start, end))
    parsed.sort()
    merged: list[list[int]] = []
    for start, end in parsed:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def parse_weekly(weekly_hours: Mapping) -> tuple[tuple[Interval, ...], ...]:
    """{"0": [["09:00", "18:00"]], …, "6": []} (Monday = "0") -> 7 interval tuples."""
    return tuple(parse_intervals((weekly_hours or {}).get(str(day), ())) for day in range(7))


@dataclass(frozen=True)
class CalendarSpec:
    tz: str = "UTC"
    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    holidays: frozenset[dt.date] = frozenset()
    working: Mapping[dt.date, tuple[Interval, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    is_24x7: bool = False
    # date -> that day's working intervals as UTC datetimes; filled lazily.
    _days: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self):
        if len(self.weekly) != 7:
            raise ValueError("weekly needs 7 days, Monday first")
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))

    @property
    def has_weekly_time(self) -> bool:
        return any(self.weekly)

    def intervals_of(self, day: dt.date) -> tuple[Interval, ...]:
        if day in self.working:
            return self.working[day]
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]


def _wall(day: dt.date, seconds: int, zone: ZoneInfo) -> dt.datetime:
    if seconds >= DAY:
        day, seconds = day + ONE_DAY, seconds - DAY
    # fold=0: a wall time in a spring-forward gap maps past the gap, and an
    # ambiguous one (autumn) to its first occurrence — either way real time.
    local = dt.datetime(
        day.year, day.month, day.day, seconds // 3600, seconds % 3600 // 60, seconds % 60,
        tzinfo=zone,
    )  # fmt: skip
    return local.astimezone(UTC)


def day_spans(spec: CalendarSpec, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The working spans of a local date, as increasing, non-overlapping UTC datetimes."""
    cached = spec._days.get(day)
    if cached is not None:
        return cached
    spans = []
    previous_end = None
    for start_s, end_s in spec.intervals_of(day):
        start, end = _wall(day, start_s, spec._zone), _wall(day, end_s, spec._zone)
        if previous_end is not None and start < previous_end:
            start = previous_end
        if end > start:
            spans.append((start, end))
            previous_end = end
    result = tuple(spans)
    if len(spec._days) > _CACHE_LIMIT:
        spec._days.clear()
    spec._days[day] = result
    return result


def _local_date(spec: CalendarSpec, moment: dt.datetime) -> dt.date:
    return moment.astimezone(spec._zone).date()


def _utc(moment: dt.datetime) -> dt.datetime:
    """Aware datetimes in UTC: Python subtracts two datetimes of the same zone by wall
    clock, which is wrong across a DST change."""
    if moment.tzinfo is None:
        raise ValueError("business-time arithmetic needs aware datetimes")
    return moment.astimezone(UTC)


def add(spec: CalendarSpec, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The moment `duration` of working time after `start`.

    1. A 24/7 calendar is plain addition.
    2. Otherwise walk local dates from the day before `start` (a span never crosses
       into the next date, but DST can shift where a date begins), skip spans that
       end before `start`, and consume each span's length until the duration fits.
    3. Exactly at a span's end the result is that end (not the next span's start),
       so a due time is always inside working time or at the end of a span.
    """
    start = _utc(start)
    if duration <= ZERO:
        return start
    if spec.is_24x7:
        return start + duration
    remaining = duration
    day = _local_date(spec, start) - ONE_DAY
    for _ in range(MAX_DAYS):
        for span_start, span_end in day_spans(spec, day):
            if span_end <= start:
                continue
            begin = span_start if span_start > start else start
            length = span_end - begin
            if remaining <= length:
                return begin + remaining
            remaining -= length
        day += ONE_DAY
    raise NoWorkingTime(f"no working time within {MAX_DAYS} days of {start.isoformat()}")


def between(spec: CalendarSpec, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time from `a` to `b` (negative when `b` is before `a`)."""
    a, b = _utc(a), _utc(b)
    if b < a:
        return -between(spec, b, a)
    if spec.is_24x7:
        return b - a
    total = ZERO
    day = _local_date(spec, a) - ONE_DAY
    last = _local_date(spec, b) + ONE_DAY
    while day <= last:
        for span_start, span_end in day_spans(spec, day):
            begin = span_start if span_start > a else a
            end = span_end if span_end < b else b
            if end > begin:
                total += end - begin
        day += ONE_DAY
    return total


def is_working(spec: CalendarSpec, moment: dt.datetime) -> bool:
    """Inside a working span (start included, end excluded)."""
    if spec.is_24x7:
        return True
    moment = _utc(moment)
    day = _local_date(spec, moment)
    for d in (day - ONE_DAY, day, day + ONE_DAY):
        for span_start, span_end in day_spans(spec, d):
            if span_start <= moment < span_end:
                return True
    return False


def is_span_end(spec: CalendarSpec, moment: dt.datetime) -> bool:
    moment = _utc(moment)
    day = _local_date(spec, moment)
    return any(
        span_end == moment
        for d in (day - ONE_DAY, day, day + ONE_DAY)
        for _start, span_end in day_spans(spec, d)
    )
