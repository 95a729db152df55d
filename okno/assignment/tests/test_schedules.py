"""On shift by each agent's own time zone, weekly hours and days off."""

import datetime as dt

import pytest
import time_machine

from okno.assignment.models import Mode
from okno.assignment.schedule import on_shift
from okno.assignment.tests.helpers import new_ticket, profile, set_mode

pytestmark = pytest.mark.django_db

WEEKDAYS = {str(d): [["09:00", "18:00"]] for d in range(5)}
# Wednesday 5 March 2025.
VLADIVOSTOK_EVENING = dt.datetime(
    2025, 3, 5, 10, 0, tzinfo=dt.UTC
)  # 20:00 there, 12:00 in Kaliningrad
VLADIVOSTOK_MORNING = dt.datetime(
    2025, 3, 5, 1, 0, tzinfo=dt.UTC
)  # 11:00 there, 03:00 in Kaliningrad


@pytest.fixture
def two_zones(world):
    world.agent_a.timezone = "Asia/Vladivostok"
    world.agent_a.save()
    world.agent_a2.timezone = "Europe/Kaliningrad"
    world.agent_a2.save()
    profile(world.agent_a, weekly_hours=WEEKDAYS)
    profile(world.agent_a2, weekly_hours=WEEKDAYS)
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    return world


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(VLADIVOSTOK_EVENING, "agent_a2"), (VLADIVOSTOK_MORNING, "agent_a")],
)
def test_only_the_agent_on_shift_in_their_own_zone_gets_tickets(two_zones, moment, expected):
    with time_machine.travel(moment, tick=False):
        tickets = [new_ticket(two_zones) for _ in range(3)]
    owner = getattr(two_zones, expected)
    assert {t.__class__.objects.get(pk=t.pk).assignee for t in tickets} == {owner}


def test_a_day_off_in_the_agents_zone_takes_them_off_shift(two_zones):
    profile(two_zones.agent_a2, weekly_hours=WEEKDAYS, days_off=["2025-03-05"])
    with time_machine.travel(VLADIVOSTOK_EVENING, tick=False):
        ticket = new_ticket(two_zones)
    ticket.refresh_from_db()
    assert ticket.assignee is None  # Anna is off for the evening, Artem has a day off


def test_schedule_edges():
    kwargs = {"timezone_name": "Europe/Kaliningrad", "weekly_hours": WEEKDAYS, "days_off": []}
    nine = dt.datetime(2025, 3, 5, 7, 0, tzinfo=dt.UTC)  # 09:00 in Kaliningrad
    assert on_shift(now=nine, **kwargs)
    assert not on_shift(now=nine - dt.timedelta(seconds=1), **kwargs)
    saturday = dt.datetime(2025, 3, 8, 10, 0, tzinfo=dt.UTC)
    assert not on_shift(now=saturday, **kwargs)
    # No weekly hours: always on, except on a day off in the agent's own zone.
    late = dt.datetime(2025, 3, 4, 20, 0, tzinfo=dt.UTC)  # already 5 March in Vladivostok
    assert on_shift(timezone_name="UTC", weekly_hours={}, days_off=["2025-03-05"], now=late)
    assert not on_shift(
        timezone_name="Asia/Vladivostok", weekly_hours={}, days_off=["2025-03-05"], now=late
    )
    assert on_shift(
        timezone_name="No/Such", weekly_hours={"0": [["bad"]]}, days_off=["x"], now=late
    )
