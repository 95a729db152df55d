"""Warnings and breaches: announced once, mailed, escalated."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from okno.sla.models import Metric, SlaState, TicketSla
from okno.sla.services import sla_check
from okno.sla.tests.conftest import at
from okno.tickets.models import Priority, TicketEvent
from okno.tickets.services import ticket_update


def check(minutes, committed):
    with time_machine.travel(at(minutes), tick=False), committed():
        return sla_check()


def sla_events(ticket, kind):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind))


@pytest.fixture
def assigned(world, ticket, act):
    act(1, ticket_update, ticket=ticket, actor=world.agent_a, changes={"assignee": world.agent_a})
    return ticket


def test_warning_then_breach_each_once(world, assigned, committed):
    assert check(89, committed) == {"breached": 0, "warned": 0}
    assert check(90, committed) == {"breached": 0, "warned": 1}  # 75 % of 2 h
    assert check(91, committed) == {"breached": 0, "warned": 0}
    assert check(120, committed) == {"breached": 1, "warned": 0}
    assert check(121, committed) == {"breached": 0, "warned": 0}
    (warning,) = sla_events(assigned, "sla_warning")
    (breach,) = sla_events(assigned, "sla_breach")
    assert warning.actor_label == "SLA" and breach.data["metric"] == Metric.FIRST_RESPONSE
    first = TicketSla.objects.get(ticket=assigned, metric=Metric.FIRST_RESPONSE)
    assert first.state == SlaState.RUNNING and first.breached_at == at(120)


def test_assignee_and_supervisors_get_mail_in_their_language(world, assigned, committed):
    world.agent_a.language = "ru"
    world.agent_a.save()
    mail.outbox.clear()
    check(120, committed)
    to = sorted(m.to[0] for m in mail.outbox)
    # No supervisor is a member of group A, so every supervisor hears of it.
    assert to == sorted([world.agent_a.email, world.supervisor.email])
    assert all(f"#{assigned.number}" in m.subject for m in mail.outbox)


def test_supervisors_of_the_group_only_when_there_are_some(world, assigned, committed):
    from okno.tests.personas import make_user

    group_lead = make_user("gl@okno.test", "Group Lead", "supervisor", groups=[world.group_a])
    mail.outbox.clear()
    check(120, committed)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.agent_a.email, group_lead.email])


def test_a_late_check_breaches_without_warning_first(world, assigned, committed):
    assert check(500, committed) == {"breached": 1, "warned": 0}
    assert sla_events(assigned, "sla_warning") == []


def test_breach_escalates_per_policy(world, policy, assigned, committed):
    policy.raise_priority = True
    policy.escalate_to_group = world.group_b
    policy.escalate_to_user = world.agent_b
    policy.save()
    check(120, committed)
    assigned.refresh_from_db()
    assert assigned.priority == Priority.HIGH
    assert assigned.group == world.group_b and assigned.assignee == world.agent_b
    changes = TicketEvent.objects.filter(ticket=assigned, kind="field_changed", actor_label="SLA")
    assert {e.field for e in changes} == {"priority", "group", "assignee"}


def test_paused_clocks_do_not_breach(world, assigned, act, committed):
    from okno.tickets.models import StatusCategory
    from okno.tickets.services.lifecycle import default_status

    act(10, ticket_update, ticket=assigned, actor=world.agent_a,
        changes={"status": default_status(StatusCategory.ON_HOLD)})  # fmt: skip
    assert check(10_000, committed) == {"breached": 0, "warned": 0}


def test_check_cost_does_not_depend_on_open_clocks(
    world, assigned, committed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4), time_machine.travel(at(5), tick=False):
        sla_check(now=at(5) + dt.timedelta(seconds=1))
