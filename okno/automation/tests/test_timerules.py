"""Shipped time rules with a controlled clock: remind, then close; once per episode."""

import datetime as dt

import time_machine
from django.utils import timezone

from okno.automation.models import AutomationLog, RuleKind, TimeRule, TimeRuleRun
from okno.automation.timerules import run_time_rules
from okno.tickets.models import StatusCategory, TicketEvent
from okno.tickets.services import ticket_reply
from okno.tickets.services.lifecycle import default_status

REMIND = "Remind the customer after 3 days pending"
CLOSE = "Auto-close 7 days after the reminder"


def _pending(world, run, ticket):
    run(
        ticket_reply,
        ticket=ticket,
        actor=world.agent_a,
        body_text="Could you send a photo?",
        new_status=default_status(StatusCategory.PENDING),
    )


def test_reminder_then_auto_close_once_per_episode(world, run):
    start = timezone.now()
    ticket = world.ticket_a
    with time_machine.travel(start, tick=False):
        _pending(world, run, ticket)
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        assert run(run_time_rules) == 0
    with time_machine.travel(start + dt.timedelta(days=3, minutes=1), tick=False):
        run(run_time_rules)
        run(run_time_rules)  # the next minute's pass does not remind again
    reminders = ticket.messages.filter(author_kind="system", public=True)
    assert reminders.count() == 1
    reminded = ticket.events.get(kind="message", actor_label=REMIND)
    assert reminded.data["automation"] == {"depth": 1, "fired": []}  # the cascade's first round
    assert "Ivan" in reminders.get().body_text
    assert reminders.get().body_text.count(f"#{ticket.number}") == 1
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.PENDING
    with time_machine.travel(start + dt.timedelta(days=10, minutes=1), tick=False):
        run(run_time_rules)
        run(run_time_rules)
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.CLOSED
    closed = ticket.events.get(field="status", new="Closed")
    assert closed.actor_kind == "rule" and closed.actor_label == CLOSE
    assert TimeRuleRun.objects.filter(rule__name=REMIND, ticket=ticket).count() == 1


def test_customer_reply_starts_a_new_episode(world, run):
    start = timezone.now()
    ticket = world.ticket_a
    with time_machine.travel(start, tick=False):
        _pending(world, run, ticket)
    with time_machine.travel(start + dt.timedelta(days=3, minutes=1), tick=False):
        run(run_time_rules)
    with time_machine.travel(start + dt.timedelta(days=4), tick=False):
        run(ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="Here it is")
        ticket.refresh_from_db()
        assert ticket.state == StatusCategory.OPEN
        _pending(world, run, ticket)
    with time_machine.travel(start + dt.timedelta(days=10, minutes=1), tick=False):
        run(run_time_rules)  # only 6 days since the new agent message: no close yet
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.PENDING
    with time_machine.travel(start + dt.timedelta(days=7, minutes=1), tick=False):
        run(run_time_rules)
    assert ticket.messages.filter(author_kind="system", public=True).count() == 2
    assert TimeRuleRun.objects.filter(rule__name=REMIND, ticket=ticket).count() == 2


def test_solved_tickets_close_after_seven_days(world, run):
    start = timezone.now()
    from okno.tickets.services import ticket_update

    with time_machine.travel(start, tick=False):
        run(
            ticket_update,
            ticket=world.ticket_b,
            actor=world.agent_b,
            changes={"status": default_status(StatusCategory.SOLVED)},
        )
    with time_machine.travel(start + dt.timedelta(days=7, minutes=1), tick=False):
        run(run_time_rules)
    world.ticket_b.refresh_from_db()
    assert world.ticket_b.state == StatusCategory.CLOSED
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.state == StatusCategory.NEW


def test_new_unassigned_escalation_with_field_conditions(world, run):
    from okno.automation import services

    TimeRule.objects.all().delete()
    services.time_rule_save(
        actor=world.admin,
        values={
            "name": "Escalate unassigned",
            "basis": "created_at",
            "minutes": 30,
            "conditions": [
                {"field": "state", "operator": "is", "value": "new"},
                {"field": "assignee", "operator": "is", "value": ""},
                {"field": "group", "operator": "is", "value": world.group_a.name},
            ],
            "actions": [{"type": "set_priority", "params": {"priority": "high"}}],
        },
    )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        assert run(run_time_rules) == 1
    world.ticket_a.refresh_from_db()
    world.ticket_b.refresh_from_db()
    assert world.ticket_a.priority == 3 and world.ticket_b.priority == 2


def test_many_tickets_in_small_batches_and_transactions_are_each_acted_on_once(
    world, run, monkeypatch
):
    from okno.automation import services, timerules
    from okno.tickets.services import ticket_create

    monkeypatch.setattr(timerules, "COMMIT_EVERY", 2)
    TimeRule.objects.all().delete()
    rule = services.time_rule_save(
        actor=world.admin,
        values={
            "name": "Flag old new ones",
            "basis": "created_at",
            "minutes": 30,
            "conditions": [{"field": "state", "operator": "is", "value": "new"}],
            "actions": [{"type": "add_tags", "params": {"tags": ["old"]}}],
        },
    )
    numbers = [world.ticket_a.number, world.ticket_b.number]
    numbers += [
        run(ticket_create, actor=world.customer_acme, subject=f"S{i}", body_text="x").number
        for i in range(5)
    ]
    later = timezone.now() + dt.timedelta(minutes=31)
    with time_machine.travel(later, tick=False):
        assert run(timerules.run_rule, rule, later, batch=3) == len(numbers)
        assert run(timerules.run_rule, rule, later, batch=3) == 0
    tagged = TimeRuleRun.objects.filter(rule=rule).values_list("ticket_id", flat=True)
    assert sorted(tagged) == sorted(numbers)
    stamped = TicketEvent.objects.filter(field="tags", ticket_id__in=numbers)
    assert sorted(e.ticket_id for e in stamped) == sorted(numbers)
    assert all(e.data["automation"] == {"depth": 1, "fired": []} for e in stamped)
    assert not TicketEvent.objects.filter(kind="created", data__has_key="automation").exists()
    logged = AutomationLog.objects.filter(rule_kind=RuleKind.TIME_RULE, rule_id=rule.pk, ok=True)
    assert sorted(logged.values_list("ticket_id", flat=True)) == sorted(numbers)
