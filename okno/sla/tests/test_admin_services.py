"""Calendars and policies are validated, ordered, and their changes reach open tickets."""

import datetime as dt

import pytest

from okno.core.errors import ValidationFailed
from okno.sla import admin_services as svc
from okno.sla.holidays_source import build_spec
from okno.sla.models import SlaPolicy


def test_precedence_weekly_country_custom():
    spec = build_spec(
        time_zone="Europe/Moscow",
        weekly_hours={str(d): [["09:00", "18:00"]] for d in range(5)},
        country="RU",
        custom_dates=[
            (dt.date(2025, 1, 2), "working", [["10:00", "12:00"]]),  # a holiday made working
            (dt.date(2025, 11, 1), "holiday", []),  # the moved Saturday given back
        ],
        years=range(2025, 2026),
    )
    assert spec.intervals_of(dt.date(2025, 1, 2)) == ((36000, 43200),)
    assert spec.intervals_of(dt.date(2025, 1, 3)) == ()  # still a holiday
    assert spec.intervals_of(dt.date(2025, 11, 1)) == ()
    assert spec.intervals_of(dt.date(2025, 11, 3)) == ()  # RU: day off moved here
    assert spec.intervals_of(dt.date(2025, 11, 5)) == ((32400, 64800),)


def test_calendar_validation(db):
    with pytest.raises(ValidationFailed) as error:
        svc.calendar_create(name="X", time_zone="Mars/Olympus")
    assert error.value.field == "time_zone"
    with pytest.raises(ValidationFailed) as error:
        svc.calendar_create(name="X", weekly_hours={"0": [["18:00", "09:00"]]})
    assert error.value.field == "weekly_hours.0"
    with pytest.raises(ValidationFailed):
        svc.calendar_create(name="X", country="XX")
    calendar = svc.calendar_create(name="X", country="ru", weekly_hours={"0": [["09:00", "24:00"]]})
    assert calendar.country == "RU" and calendar.weekly_hours["6"] == []


def test_interval_text_round_trip():
    pairs = svc.parse_intervals_text("09:00-13:00, 14:00 - 24:00")
    assert pairs == [["09:00", "13:00"], ["14:00", "24:00"]]
    assert svc.format_intervals(pairs) == "09:00-13:00, 14:00-24:00"
    with pytest.raises(ValidationFailed):
        svc.parse_intervals_text("nine to five", field="day_0")


def test_policies_are_ordered_and_targets_validated(db):
    first = svc.policy_save(actor=None, policy=None, name="A", targets=[])
    second = svc.policy_save(
        actor=None,
        policy=None,
        name="B",
        targets=[{"priority": 4, "metric": "first_response", "minutes": 30}],
    )
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["A", "B"]
    svc.policy_move(actor=None, policy=second, offset=-1)
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["B", "A"]
    with pytest.raises(ValidationFailed):
        svc.policy_save(actor=None, policy=first, targets=[{"priority": 9, "metric": "x"}])
    with pytest.raises(ValidationFailed):
        svc.policy_save(actor=None, policy=first, conditions={"channel": ["pigeon"]})


def test_loaded_policies_follow_every_change(db, django_assert_num_queries):
    """The active policies are kept per process (no query per batch of events), and
    every change through the services shows on the next load, also those the
    catalog's signals do not see (a reorder's update, the targets' bulk insert)."""
    from okno.sla.policies import load_rules

    target = {"priority": 2, "metric": "first_response", "minutes": 60}
    first = svc.policy_create(name="First", targets=[target])
    second = svc.policy_create(name="Second", targets=[target])
    assert [r.policy.name for r in load_rules()] == ["First", "Second"]
    with django_assert_num_queries(0):
        load_rules()
    svc.policy_reorder(ids=[second.pk, first.pk])
    assert [r.policy.name for r in load_rules()] == ["Second", "First"]
    svc.policy_update(policy=first, targets=[{**target, "minutes": 30}])
    (rule,) = [r for r in load_rules() if r.policy.pk == first.pk]
    assert rule.targets == {(2, "first_response"): (30, True)}
    calendar = svc.calendar_create(name="Office")
    svc.policy_update(policy=second, calendar=calendar)
    svc.calendar_date_set(calendar=calendar, date=dt.date(2025, 1, 6), kind="holiday")
    (rule,) = [r for r in load_rules() if r.policy.pk == second.pk]
    assert rule.spec.intervals_of(dt.date(2025, 1, 6)) == ()
    svc.policy_delete(policy=second)
    assert [r.policy.name for r in load_rules()] == ["First"]
