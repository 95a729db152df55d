"""The ticket page's SLA card, the ticket API's `sla` list, and the list's
"most urgent" sort and sla: filters, with the clock moved by time_machine."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from okno.sla.models import SlaPolicy, SlaTarget
from okno.tickets.models import Status, StatusCategory
from okno.tickets.services import ticket_create, ticket_update

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def policy(world):
    """Calendar time: first response 60 min, resolution 4 h, warn at 75 %."""
    policy = SlaPolicy.objects.create(name="Everyone", warning_percent=75)
    for priority in (1, 2, 3, 4):
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            metric="first_response",
            minutes=60,
            business_time=False,
        )
        SlaTarget.objects.create(
            policy=policy, priority=priority, metric="resolution", minutes=240, business_time=False
        )
    return policy


@pytest.fixture
def make_ticket(world, committed):
    def make(subject="Help", at=T0, **fields):
        with time_machine.travel(at, tick=False), committed():
            return ticket_create(
                actor=world.customer_acme,
                subject=subject,
                body_text="please",
                group=world.group_a,
                **fields,
            )

    return make


def card(client, ticket):
    response = client.get(reverse("web:ticket", args=[ticket.number]))
    assert response.status_code == 200
    return {t.metric: t for t in response.context["sla_targets"]}, response.content.decode()


def test_ticket_page_counts_down_to_at_risk_then_breached(client, world, policy, make_ticket):
    ticket = make_ticket()
    client.force_login(world.agent_a)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        targets, html = card(client, ticket)
        first = targets["first_response"]
        assert (first.state, first.remaining_minutes) == ("on_track", 50)
        assert "50 min left" in html and 'data-due="2026-03-02T10:00:00' in html
        assert targets["resolution"].state == "on_track"
        assert "sla/sla.js" in html and "<script>" not in html
    with time_machine.travel(T0 + dt.timedelta(minutes=50), tick=False):
        assert card(client, ticket)[0]["first_response"].state == "at_risk"
    with time_machine.travel(T0 + dt.timedelta(minutes=75), tick=False):
        targets, html = card(client, ticket)
        assert targets["first_response"].state == "breached"
        assert targets["first_response"].breach_minutes == 15
        assert "15 min late" in html
        assert targets["resolution"].state == "on_track"


def test_due_time_is_shown_in_the_agents_time_zone(client, world, policy, make_ticket):
    world.agent_a.timezone = "Europe/Moscow"
    world.agent_a.save()
    ticket = make_ticket()
    client.force_login(world.agent_a)
    with time_machine.travel(T0, tick=False):
        _targets, html = card(client, ticket)
    assert 'datetime="2026-03-02T13:00:00+03:00"' in html  # 10:00 UTC, first response


def test_pending_pauses_and_an_answer_achieves(client, world, policy, make_ticket, committed):
    ticket = make_ticket()
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False), committed():
        from okno.tickets.services import ticket_reply

        ticket_reply(ticket=ticket, actor=world.agent_a, body_text="Looking into it")
        ticket.refresh_from_db()
        pending = Status.objects.get(category=StatusCategory.PENDING, is_default=True)
        ticket_update(
            ticket=ticket,
            actor=world.agent_a,
            changes={"status": pending},
            expected_version=ticket.version,
        )
    client.force_login(world.agent_a)
    with time_machine.travel(T0 + dt.timedelta(hours=9), tick=False):
        targets, html = card(client, ticket)
    assert targets["first_response"].state == "achieved"
    assert targets["resolution"].state == "paused"
    assert "Paused" in html


def test_ticket_without_sla_has_no_card(client, world):
    client.force_login(world.agent_a)
    targets, html = card(client, world.ticket_a)
    assert targets == {} and "sla-card" not in html


def test_ticket_page_loads_clocks_in_one_query(client, world, policy, make_ticket):
    ticket = make_ticket()
    client.force_login(world.agent_a)
    client.get(reverse("web:ticket", args=[ticket.number]))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("web:ticket", args=[ticket.number]))
    sla = [q for q in queries.captured_queries if "sla_ticketsla" in q["sql"]]
    assert len(sla) == 1
