"""Which policy a ticket falls under, and the calendar arithmetic of its targets.

Pure matching (`TicketFacts` + conditions) plus loading the active policies with
their targets and calendar specs (cached per process, keyed by `updated_at`).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from okno.sla.calendar import CalendarSpec
from okno.sla.holidays_source import build_spec, years_around
from okno.sla.models import BusinessCalendar, CalendarDate, SlaPolicy, SlaTarget

CALENDAR_TIME = CalendarSpec(is_24x7=True)

_spec_cache: dict[tuple, CalendarSpec] = {}


@dataclass(frozen=True)
class TicketFacts:
    """What a policy may look at, plus the ticket's clock-relevant timestamps."""

    number: int
    state: str
    priority: int
    category_id: int | None = None
    group_id: int | None = None
    organization_id: int | None = None
    channel: str = ""
    tags: frozenset[str] = frozenset()
    custom_fields: dict = field(default_factory=dict, hash=False)
    created_at: dt.datetime | None = None
    first_response_at: dt.datetime | None = None
    is_deleted: bool = False
    merged: bool = False


FACT_FIELDS = (
    "number",
    "state",
    "priority",
    "category_id",
    "group_id",
    "organization_id",
    "channel",
    "custom_fields",
    "created_at",
    "first_response_at",
    "is_deleted",
    "merged_into_id",
)


def facts_from_values(values: dict, tags) -> TicketFacts:
    values = dict(values)
    merged = values.pop("merged_into_id", None) is not None
    return TicketFacts(
        **values, tags=frozenset(t.lower() for t in tags), merged=merged
    )  # fmt: skip


def _ids(values) -> set:
    return {str(v) for v in values or ()}


def policy_matches(conditions: dict, facts: TicketFacts) -> bool:
    """Every listed condition must hold; an empty or missing list means any."""
    conditions = conditions or {}
    checks = (
        ("priority", facts.priority),
        ("category", facts.category_id),
        ("group", facts.group_id),
        ("organization", facts.organization_id),
        ("channel", facts.channel),
    )
    for key, value in checks:
        wanted = conditions.get(key)
        if wanted and str(value) not in _ids(wanted):
            return False
    tags = conditions.get("tags")
    if tags and not facts.tags & {str(t).lower() for t in tags}:
        return False
    for key, expected in (conditions.get("custom_fields") or {}).items():
        actual = facts.custom_fields.get(key)
        if isinstance(actual, list):
            if expected not in actual and actual != expected:
                return False
        elif actual != expected and str(actual) != str(expected):
            return False
    return True


@dataclass
class Rule:
    """An active policy, its targets by (priority, metric) and its calendar spec."""

    policy: SlaPolicy
    targets: dict[tuple[int, str], tuple[int, bool]]  # -> (minutes, business_time)
    spec: CalendarSpec

    def spec_for(self, business_time: bool) -> CalendarSpec:
        return self.spec if business_time else CALENDAR_TIME


def calendar_spec(calendar: BusinessCalendar | None, today: dt.date | None = None) -> CalendarSpec:
    """The calendar's spec, built once per process per change of the calendar."""
    if calendar is None:
        return CALENDAR_TIME
    today = today or timezone.now().date()
    years = years_around(today)
    key = (calendar.pk, calendar.updated_at, years.start)
    spec = _spec_cache.get(key)
    if spec is None:
        dates = [(d.date, d.kind, d.intervals) for d in calendar.dates.all()]
        spec = build_spec(
            time_zone=calendar.time_zone,
            weekly_hours=calendar.weekly_hours,
            is_24x7=calendar.is_24x7,
            country=calendar.country,
            subdivision=calendar.subdivision,
            custom_dates=dates,
            years=years,
        )
        if len(_spec_cache) > 256:
            _spec_cache.clear()
        _spec_cache[key] = spec
    return spec


def load_rules() -> list[Rule]:
    """Active policies in match order (first match wins), from the per-process
    catalog: read once per change of a policy, target or calendar (see
    `connect_signals`), not on every batch of events. Read only."""
    from okno.tickets.catalog import catalog

    return catalog(RULES)[RULES]


RULES = "sla_rules"


def connect_signals() -> None:
    from okno.tickets.catalog import register

    register(RULES, _read_rules, [SlaPolicy, SlaTarget, BusinessCalendar, CalendarDate])


def _read_rules() -> list[Rule]:
    policies = (
        SlaPolicy.objects.filter(active=True)
        .select_related("calendar")
        .prefetch_related("targets", "calendar__dates")
        .order_by("position", "id")
    )
    return [
        Rule(
            policy=policy,
            targets={
                (t.priority, t.metric): (t.minutes, t.business_time) for t in policy.targets.all()
            },
            spec=calendar_spec(policy.calendar),
        )
        for policy in policies
    ]


def match_rule(rules: list[Rule], facts: TicketFacts) -> Rule | None:
    return next((r for r in rules if policy_matches(r.policy.conditions, facts)), None)
