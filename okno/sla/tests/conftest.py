import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from okno.sla.models import BusinessCalendar, Metric, SlaPolicy, SlaTarget
from okno.tickets.models import Priority
from okno.tickets.services import ticket_create

MOSCOW_OFFICE = {**{str(d): [["09:00", "18:00"]] for d in range(5)}, "5": [], "6": []}


def make_policy(*, calendar=None, minutes=None, **fields) -> SlaPolicy:
    """A policy with first response 2 h, next response 4 h, resolution 16 h (business)."""
    minutes = minutes or {
        Metric.FIRST_RESPONSE: 120,
        Metric.NEXT_RESPONSE: 240,
        Metric.RESOLUTION: 960,
    }
    policy = SlaPolicy.objects.create(
        name=fields.pop("name", "Standard"), calendar=calendar, **fields
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, priority=p, metric=m, minutes=n, business_time=True)
        for p in Priority.values
        for m, n in minutes.items()
    )
    return policy


@pytest.fixture
def moscow(db):
    return BusinessCalendar.objects.create(
        name="Moscow office", time_zone="Europe/Moscow", country="RU", weekly_hours=MOSCOW_OFFICE
    )


@pytest.fixture
def policy(moscow):
    return make_policy(calendar=moscow)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the after-commit work (event handlers, recomputes)
    of the services called inside, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


MSK = ZoneInfo("Europe/Moscow")
MONDAY_10 = dt.datetime(2025, 3, 10, 10, 0, tzinfo=MSK)


def at(delta_minutes):
    """Minutes after Monday 10 March 2025, 10:00 Moscow time."""
    return MONDAY_10 + dt.timedelta(minutes=delta_minutes)


@pytest.fixture
def act(committed):
    """Run a service at a moment (minutes after Monday 10:00 MSK), committed."""

    def run(minutes, call, **kwargs):
        with time_machine.travel(at(minutes), tick=False), committed():
            return call(**kwargs)

    return run


@pytest.fixture
def ticket(world, policy, act):
    """Opened by a customer of Acme on Monday 10:00 in group A, under `policy`."""
    return act(
        0,
        ticket_create,
        actor=world.customer_acme,
        subject="Printer",
        body_text="Broken",
        group=world.group_a,
    )
