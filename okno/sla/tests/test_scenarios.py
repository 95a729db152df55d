"""Hand-computed due times on real tickets: Moscow office hours with Russian holidays."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from okno.sla.admin_services import calendar_date_set
from okno.sla.holidays_source import country_days
from okno.sla.models import Metric, SlaState, TicketSla
from okno.tickets.services import ticket_create

MSK = ZoneInfo("Europe/Moscow")


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def create_at(world, committed, moment):
    with time_machine.travel(moment, tick=False), committed():
        return ticket_create(actor=world.customer_acme, subject="Help", body_text="Please")


def clock(ticket, metric):
    return TicketSla.objects.get(ticket=ticket, metric=metric, state__in=["running", "paused"])


def test_created_friday_17_is_due_monday_10(world, committed, policy):
    ticket = create_at(world, committed, msk(2025, 3, 14, 17, 0))
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert first.state == SlaState.RUNNING
    assert first.due_at == msk(2025, 3, 17, 10, 0)
    # Warning at 75 % of 2 h = 90 min: 30 min on Friday, then 60 on Monday.
    assert first.warn_at == msk(2025, 3, 17, 9, 30)


def test_holidays_package_knows_the_russian_new_year():
    days, workdays = country_days("RU", "", 2026)
    assert {dt.date(2026, 1, d) for d in range(1, 10)} <= days  # 1-8 plus the moved 9th
    assert dt.date(2025, 12, 31) in country_days("RU", "", 2025)[0]
    assert country_days("RU", "", 2025)[1] == frozenset({dt.date(2025, 11, 1)})


def test_created_30_december_is_due_after_the_new_year_holidays(world, committed, policy):
    # 30 Dec 2025 is a Tuesday; 31 Dec and 1-9 Jan 2026 are days off, 10-11 Jan a weekend:
    # 30 minutes on the 30th, the remaining 90 on Monday 12 January.
    ticket = create_at(world, committed, msk(2025, 12, 30, 17, 30))
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == msk(2026, 1, 12, 10, 30)


def test_a_saturday_made_working_by_the_government_counts(world, committed, policy):
    # RU 2025: Saturday 1 November worked in exchange for Monday 3 November.
    ticket = create_at(world, committed, msk(2025, 10, 31, 17, 0))
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == msk(2025, 11, 1, 10, 0)


def test_custom_dates_override_the_country(world, committed, policy, moscow):
    calendar_date_set(calendar=moscow, date=dt.date(2025, 3, 17), kind="holiday", name="Move")
    calendar_date_set(
        calendar=moscow, date=dt.date(2025, 3, 15), kind="working", intervals=[["10:00", "11:00"]]
    )
    ticket = create_at(world, committed, msk(2025, 3, 14, 17, 0))
    # Friday 17-18 (1 h), Saturday 10-11 (1 h): due Saturday 11:00.
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == msk(2025, 3, 15, 11, 0)
    resolution = clock(ticket, Metric.RESOLUTION)
    # 16 h: 1 + 1, Monday is off, Tuesday 9 h, Wednesday 5 h -> 14:00.
    assert resolution.due_at == msk(2025, 3, 19, 14, 0)
