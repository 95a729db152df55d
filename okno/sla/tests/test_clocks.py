"""The clocks follow the ticket: responses, pauses, solving, reopening, changes."""

import datetime as dt

import time_machine

from okno.core.actors import SystemActor
from okno.sla.admin_services import policy_update
from okno.sla.models import Metric, SlaState, SlaTarget, TicketSla
from okno.sla.tests.conftest import MSK, at, make_policy
from okno.tickets.catalog import catalog_changed
from okno.tickets.models import Priority, StatusCategory
from okno.tickets.services import ticket_create, ticket_reply, ticket_update
from okno.tickets.services.lifecycle import default_status


def clocks(ticket, metric):
    return list(TicketSla.objects.filter(ticket=ticket, metric=metric).order_by("id"))


def status(category):
    return default_status(category)


def test_new_ticket_gets_first_response_and_resolution_clocks(ticket):
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    (resolution,) = clocks(ticket, Metric.RESOLUTION)
    assert first.due_at == at(120) and first.target_minutes == 120
    assert resolution.due_at == dt.datetime(2025, 3, 11, 17, 0, tzinfo=MSK)  # 8 + 8 h
    assert clocks(ticket, Metric.NEXT_RESPONSE) == []  # the first response covers it


def test_agent_public_reply_achieves_first_response_and_a_note_does_not(world, ticket, act):
    act(30, ticket_reply, ticket=ticket, actor=world.agent_a, body_text="Looking", public=False)
    assert clocks(ticket, Metric.FIRST_RESPONSE)[0].state == SlaState.RUNNING
    act(45, ticket_reply, ticket=ticket, actor=world.agent_a, body_text="On it")
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    assert first.state == SlaState.ACHIEVED
    assert first.achieved_at == at(45)
    assert first.consumed_seconds == 45 * 60
    assert first.breach_minutes == -75  # 75 minutes early


def test_late_reply_records_the_breach_in_business_minutes(world, ticket, act):
    # Monday 10:00 + 2 h = 12:00; replied Tuesday 09:30 = 7.5 h + 30 min late... in
    # business time: Monday 10-18 is 8 h, Tuesday 9-9:30 is 0.5 h -> 8.5 h consumed.
    act(23 * 60 + 30, ticket_reply, ticket=ticket, actor=world.agent_a, body_text="Sorry")
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    assert first.state == SlaState.BREACHED
    assert first.breach_minutes == 8 * 60 + 30 - 120


def test_customer_message_after_the_answer_starts_next_response(world, ticket, act):
    act(10, ticket_reply, ticket=ticket, actor=world.agent_a, body_text="Hi")
    act(20, ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="Still broken")
    act(25, ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="Hello?")
    (waiting,) = clocks(ticket, Metric.NEXT_RESPONSE)  # one clock for both messages
    assert waiting.started_at == at(20) and waiting.due_at == at(20 + 240)
    act(60, ticket_reply, ticket=ticket, actor=world.agent_a2, body_text="Fixed")
    (answered,) = clocks(ticket, Metric.NEXT_RESPONSE)
    assert answered.state == SlaState.ACHIEVED and answered.consumed_seconds == 40 * 60


def test_pending_pauses_the_clock_and_reopening_moves_the_due_time(world, ticket, act):
    act(10, ticket_reply, ticket=ticket, actor=world.agent_a, body_text="Which model?")
    act(20, ticket_update, ticket=ticket, actor=world.agent_a,
        changes={"status": status(StatusCategory.PENDING)})  # fmt: skip
    (resolution,) = clocks(ticket, Metric.RESOLUTION)
    assert resolution.state == SlaState.PAUSED
    assert resolution.due_at is None and resolution.consumed_seconds == 20 * 60
    # The customer answers on Tuesday 11:00 (the reply reopens the ticket): 940
    # business minutes remain, counted from then: Tuesday 11-18 (420), Wednesday
    # 9-17:40 (520).
    tuesday_11 = 25 * 60
    act(tuesday_11, ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="X200")
    (resolution,) = clocks(ticket, Metric.RESOLUTION)
    assert resolution.state == SlaState.RUNNING
    assert resolution.due_at == dt.datetime(2025, 3, 12, 17, 40, tzinfo=MSK)
    (waiting,) = clocks(ticket, Metric.NEXT_RESPONSE)
    assert waiting.state == SlaState.RUNNING and waiting.started_at == at(tuesday_11)


def test_pause_can_be_switched_off_per_policy(world, policy, ticket, act):
    policy.pause_on_on_hold = False
    policy.save()
    act(20, ticket_update, ticket=ticket, actor=world.agent_a,
        changes={"status": status(StatusCategory.ON_HOLD)})  # fmt: skip
    assert clocks(ticket, Metric.RESOLUTION)[0].state == SlaState.RUNNING


def test_solving_achieves_resolution_and_reopening_carries_the_time_used(world, ticket, act):
    act(30, ticket_update, ticket=ticket, actor=world.agent_a,
        changes={"status": status(StatusCategory.SOLVED)})  # fmt: skip
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    (resolution,) = clocks(ticket, Metric.RESOLUTION)
    assert first.state == SlaState.CANCELLED  # solved without a reply: nothing to measure
    assert resolution.state == SlaState.ACHIEVED and resolution.consumed_seconds == 30 * 60
    act(60, ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="Not fixed")
    old, new = clocks(ticket, Metric.RESOLUTION)
    assert old.state == SlaState.ACHIEVED
    assert new.state == SlaState.RUNNING and new.consumed_seconds == 30 * 60
    assert new.due_at == at(60 + 960 - 30) + dt.timedelta(hours=15)  # over one night


def test_priority_change_recomputes_the_due_time(world, policy, ticket, act):
    SlaTarget.objects.filter(policy=policy, priority=Priority.URGENT,
                             metric=Metric.FIRST_RESPONSE).update(minutes=30)  # fmt: skip
    catalog_changed()  # what the admin services do after a write the signals miss
    act(
        10, ticket_update, ticket=ticket, actor=world.agent_a, changes={"priority": Priority.URGENT}
    )
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    assert first.target_minutes == 30 and first.due_at == at(30)


def test_conditions_choose_the_policy_and_a_group_change_follows(world, moscow, act):
    make_policy(calendar=moscow, name="Billing only", conditions={"group": [world.group_b.pk]})
    ticket = act(0, ticket_create, actor=world.customer_acme, subject="Q", body_text="?",
                 group=world.group_a)  # fmt: skip
    assert not TicketSla.objects.filter(ticket=ticket).exists()
    act(5, ticket_update, ticket=ticket, actor=world.agent_a, changes={"group": world.group_b})
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    assert first.started_at == at(0) and first.due_at == at(120)  # promised at creation
    act(6, ticket_update, ticket=ticket, actor=world.agent_a, changes={"group": world.group_a})
    assert {c.state for c in TicketSla.objects.filter(ticket=ticket)} == {SlaState.CANCELLED}


def test_tag_and_priority_conditions(world, moscow, act):
    make_policy(calendar=moscow, name="VIP", conditions={"tags": ["vip"], "priority": [3, 4]})
    ticket = act(0, ticket_create, actor=world.customer_acme, subject="Q", body_text="?",
                 tags=["VIP"], priority=Priority.HIGH)  # fmt: skip
    assert TicketSla.objects.filter(ticket=ticket).count() == 2
    act(1, ticket_update, ticket=ticket, actor=world.agent_a, changes={"priority": Priority.LOW})
    assert not TicketSla.objects.filter(ticket=ticket, state=SlaState.RUNNING).exists()


def test_policy_change_recomputes_open_tickets(world, policy, ticket, act):
    act(10, policy_update, policy=policy, targets=[
        {"priority": Priority.NORMAL, "metric": Metric.FIRST_RESPONSE, "minutes": 60},
    ])  # fmt: skip
    (first,) = clocks(ticket, Metric.FIRST_RESPONSE)
    assert first.target_minutes == 60 and first.due_at == at(60)
    (resolution,) = clocks(ticket, Metric.RESOLUTION)
    assert resolution.state == SlaState.CANCELLED  # no resolution target any more


def test_automatic_replies_are_not_responses(world, ticket, act):
    act(10, ticket_reply, ticket=ticket, actor=SystemActor(label="rule", kind="rule"),
        author=None, body_text="We got your message")  # fmt: skip
    assert clocks(ticket, Metric.FIRST_RESPONSE)[0].state == SlaState.RUNNING


def test_one_dispatch_batch_of_many_tickets(world, policy, moscow, act):
    """Events of several tickets in one batch: each ticket's clocks as if alone, and
    a second round of customer messages (clocks already waiting) writes nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okno.sla.handlers import handle_ticket_events
    from okno.sla.models import SlaPolicy
    from okno.tickets.models import TicketEvent

    SlaPolicy.objects.filter(pk=policy.pk).update(position=1)
    vip = make_policy(calendar=moscow, name="VIP", conditions={"tags": ["vip"]},
                      minutes={Metric.NEXT_RESPONSE: 30, Metric.RESOLUTION: 600})  # fmt: skip
    tickets = [
        act(
            0,
            ticket_create,
            actor=world.customer_acme,
            subject=f"Q{i}",
            body_text="?",
            group=world.group_a,
            tags=["vip"] if i == 0 else [],
        )  # fmt: skip
        for i in range(5)
    ]
    for ticket in tickets[:3]:
        act(5, ticket_reply, ticket=ticket, actor=world.agent_a, body_text="Hi")

    def customers_write(minutes):
        with time_machine.travel(at(minutes), tick=False):
            for ticket in tickets:  # not committed: handled below as one batch
                ticket_reply(ticket=ticket, actor=world.customer_acme, body_text="More")
        events = TicketEvent.objects.filter(kind="message", created_at=at(minutes))
        with CaptureQueriesContext(connection) as queries:
            handle_ticket_events(list(events.order_by("id")))
        return [q["sql"] for q in queries]

    customers_write(10)
    waiting = {c.ticket_id: c for c in TicketSla.objects.filter(metric=Metric.NEXT_RESPONSE)}
    assert sorted(waiting) == sorted(t.number for t in tickets[:3])
    assert waiting[tickets[0].number].policy == vip
    assert waiting[tickets[0].number].due_at == at(10 + 30)
    assert waiting[tickets[1].number].policy == policy
    assert waiting[tickets[1].number].due_at == at(10 + 240)
    assert clocks(tickets[3], Metric.FIRST_RESPONSE)[0].state == SlaState.RUNNING

    before = list(TicketSla.objects.order_by("id").values())
    sql = customers_write(20)
    assert list(TicketSla.objects.order_by("id").values()) == before
    assert not [s for s in sql if s.startswith(("UPDATE", "INSERT", "WITH"))]
    assert len(sql) <= 12  # not per ticket: rules, locks with facts, tags, clocks
