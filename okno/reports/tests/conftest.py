"""A fixed week of tickets with hand-computed metrics (see test_metrics.py).

Calendar: Monday to Friday 09:00-18:00 UTC. Week of Monday 2 March 2026.
T1 (Acme, group A, Anna): created Mon 10:00, reply Mon 10:30, solved Mon 11:00.
T2 (Globex, group B, Boris): created Mon 17:00, reply+solve Tue 10:00, the customer
    writes Wed 09:00 (reopens), reply+solve Wed 12:00.
T3 (Acme, group A): created Tue 09:00, no answer yet.
"""

import datetime as dt

import pytest
import time_machine

from okno.reports.filters import parse_filters
from okno.sla.models import BusinessCalendar
from okno.tickets.models import Status, StatusCategory
from okno.tickets.services import ticket_create, ticket_reply, ticket_update

MON = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
OFFICE = {**{str(d): [["09:00", "18:00"]] for d in range(5)}, "5": [], "6": []}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return MON + dt.timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def week(world, django_capture_on_commit_callbacks):
    BusinessCalendar.objects.create(name="Office", time_zone="UTC", weekly_hours=OFFICE)
    solved = Status.objects.get(category=StatusCategory.SOLVED, is_default=True)
    w = world

    def step(moment, action):
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return action()

    def solve(ticket, agent):
        ticket.refresh_from_db()
        return ticket_update(ticket=ticket, actor=agent, changes={"status": solved})

    t1 = step(at(0, 10), lambda: ticket_create(
        actor=w.customer_acme, subject="One", body_text="1", group=w.group_a, assignee=w.agent_a
    ))  # fmt: skip
    step(at(0, 10, 30), lambda: ticket_reply(ticket=t1, actor=w.agent_a, body_text="hi"))
    step(at(0, 11), lambda: solve(t1, w.agent_a))
    t2 = step(at(0, 17), lambda: ticket_create(
        actor=w.customer_globex, subject="Two", body_text="2", group=w.group_b, assignee=w.agent_b
    ))  # fmt: skip
    step(at(1, 10), lambda: ticket_reply(ticket=t2, actor=w.agent_b, body_text="a"))
    step(at(1, 10), lambda: solve(t2, w.agent_b))
    step(at(2, 9), lambda: ticket_reply(ticket=t2, actor=w.customer_globex, body_text="again"))
    step(at(2, 12), lambda: ticket_reply(ticket=t2, actor=w.agent_b, body_text="b"))
    step(at(2, 12), lambda: solve(t2, w.agent_b))
    t3 = step(at(1, 9), lambda: ticket_create(
        actor=w.customer_acme2, subject="Three", body_text="3", group=w.group_a
    ))  # fmt: skip
    w.t1, w.t2, w.t3 = t1, t2, t3
    w.filters = parse_filters({"from": "2026-03-02", "to": "2026-03-08"})
    return w
