"""Triggers end to end: events in, rule actions out, history names the rule."""

from django.utils import timezone

from okno.automation.models import AutomationLog, Trigger
from okno.automation.ruleset import rules_changed
from okno.tickets.models import Priority, TicketEvent
from okno.tickets.services import ticket_create, ticket_reply, ticket_update


def new_ticket(world, run, **kwargs):
    values = {"actor": world.customer_acme, "subject": "Help", "body_text": "Printer is broken"}
    return run(ticket_create, **{**values, **kwargs})


def test_created_trigger_sets_fields_and_history_shows_rule(world, run, make_trigger):
    make_trigger(
        name="Urgent printers",
        conditions=[{"field": "body", "operator": "contains", "value": "printer"}],
        actions=[
            {"type": "set_priority", "params": {"priority": "urgent"}},
            {"type": "add_tags", "params": {"tags": ["printer"]}},
            {"type": "set_group", "params": {"group": world.group_b.name}},
        ],
    )
    ticket = new_ticket(world, run)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert ticket.group == world.group_b
    assert list(ticket.tags.values_list("name", flat=True)) == ["printer"]
    changes = TicketEvent.objects.filter(ticket=ticket, field="priority").get()
    assert changes.actor_kind == "rule" and changes.actor_label == "Urgent printers"


def test_conditions_not_met_do_nothing(world, run, make_trigger):
    make_trigger(
        conditions=[{"field": "subject", "operator": "contains", "value": "invoice"}],
        actions=[{"type": "set_priority", "params": {"priority": "high"}}],
    )
    ticket = new_ticket(world, run)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert not AutomationLog.objects.exists()


def test_any_mode_and_event_kinds(world, run, make_trigger):
    make_trigger(
        name="Customer wrote",
        events=["customer_replied"],
        match="any",
        conditions=[
            {"field": "subject", "operator": "is", "value": "nope"},
            {"field": "contact.email", "operator": "is", "value": "ivan@acme.test"},
        ],
        actions=[{"type": "add_tags", "params": {"tags": ["replied"]}}],
    )
    ticket = new_ticket(world, run)
    assert not ticket.tags.exists()  # "created" is not "customer_replied"
    run(ticket_reply, ticket=ticket, actor=world.customer_acme, body_text="More")
    assert list(ticket.tags.values_list("name", flat=True)) == ["replied"]


def test_stop_processing(world, run, make_trigger):
    make_trigger(
        name="First",
        position=1,
        stop_processing=True,
        actions=[{"type": "add_tags", "params": {"tags": ["first"]}}],
    )
    make_trigger(
        name="Second", position=2, actions=[{"type": "add_tags", "params": {"tags": ["second"]}}]
    )
    ticket = new_ticket(world, run)
    assert list(ticket.tags.values_list("name", flat=True)) == ["first"]


def test_later_rules_see_earlier_changes(world, run, make_trigger):
    make_trigger(
        name="Tag", position=1, actions=[{"type": "add_tags", "params": {"tags": ["vip"]}}]
    )
    make_trigger(
        name="VIP urgent",
        position=2,
        conditions=[{"field": "tags", "operator": "contains", "value": "vip"}],
        actions=[{"type": "set_priority", "params": {"priority": "urgent"}}],
    )
    ticket = new_ticket(world, run)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT


def test_rules_that_retrigger_each_other_terminate(world, run, make_trigger):
    ping = make_trigger(
        name="Ping",
        events=["updated"],
        conditions=[{"field": "priority", "operator": "is", "value": "high"}],
        actions=[{"type": "set_priority", "params": {"priority": "low"}}],
    )
    pong = make_trigger(
        name="Pong",
        events=["updated"],
        conditions=[{"field": "priority", "operator": "is", "value": "low"}],
        actions=[{"type": "set_priority", "params": {"priority": "high"}}],
    )
    self_loop = make_trigger(
        name="Self",
        events=["updated"],
        conditions=[{"field": "priority", "operator": "changed"}],
        actions=[
            {"type": "add_tags", "params": {"tags": ["x"]}},
            {"type": "remove_tags", "params": {"tags": ["x"]}},
        ],
    )
    run(
        ticket_update,
        ticket=world.ticket_a,
        actor=world.agent_a,
        changes={"priority": Priority.HIGH},
    )
    for rule in (ping, pong, self_loop):
        fired = AutomationLog.objects.filter(rule_id=rule.pk, rule_kind="trigger").count()
        assert 1 <= fired <= 1, rule.name  # each fires once in the cascade
    assert TicketEvent.objects.filter(ticket=world.ticket_a, field="priority").count() <= 4


def test_failing_action_is_logged_and_others_run(world, run, make_trigger):
    trigger = make_trigger(
        name="Half broken",
        actions=[
            {"type": "webhook", "params": {"event": "x"}},
            {"type": "assign", "params": {"user": world.agent_a.email}},
        ],
    )
    world.agent_a.is_active = True
    # The agent is deactivated after the rule was saved: assigning fails.
    world.agent_a2.is_active = False
    world.agent_a2.save()
    Trigger.objects.filter(pk=trigger.pk).update(
        actions=[
            {"type": "assign", "params": {"user": world.agent_a2.email}},
            {"type": "add_tags", "params": {"tags": ["still-ran"]}},
        ],
        updated_at=timezone.now(),
    )
    rules_changed()  # a write around the services must say so, as they do
    ticket = new_ticket(world, run)
    assert list(ticket.tags.values_list("name", flat=True)) == ["still-ran"]
    trigger.refresh_from_db()
    assert trigger.error_count == 1 and "assign" in trigger.last_error
    error = TicketEvent.objects.get(ticket=ticket, kind="automation_error")
    assert error.actor_label == "Half broken" and error.data["action"] == "assign"
    assert AutomationLog.objects.filter(ok=False, rule_id=trigger.pk).count() == 1


def test_changed_to_and_from(world, run, make_trigger):
    make_trigger(
        name="Solved",
        events=["status_changed"],
        conditions=[
            {"field": "status", "operator": "changed_to", "value": "Solved"},
            {"field": "status", "operator": "changed_from", "value": "New"},
        ],
        actions=[{"type": "add_note", "params": {"text": "Solved #{{ ticket.number }}"}}],
    )
    from okno.tickets.services.lifecycle import default_status

    run(
        ticket_update,
        ticket=world.ticket_a,
        actor=world.agent_a,
        changes={"status": default_status("solved")},
    )
    note = world.ticket_a.messages.get(public=False)
    assert note.body_text == f"Solved #{world.ticket_a.number}"
    assert note.author_kind == "system"


def test_bad_rating_wakes_a_trigger(world, run, make_trigger):
    from okno.reports.csat import csat_rate
    from okno.tickets.services.lifecycle import default_status

    make_trigger(
        name="Unhappy customer",
        events=["csat_bad"],
        actions=[{"type": "add_tags", "params": {"tags": ["unhappy"]}}],
    )
    ticket = new_ticket(world, run)
    run(
        ticket_update,
        ticket=ticket,
        actor=world.agent_a,
        changes={"status": default_status("solved")},
    )
    ticket.refresh_from_db()
    run(csat_rate, ticket=ticket, contact=world.customer_acme, score=0, scale="good_bad")
    assert list(ticket.tags.values_list("name", flat=True)) == ["unhappy"]
    event = TicketEvent.objects.filter(ticket=ticket, field="tags").get()
    assert event.actor_label == "Unhappy customer"


def test_a_rule_sets_the_status_and_hands_the_ticket_to_auto_assignment(world, run, make_trigger):
    from okno.assignment.models import Mode
    from okno.assignment.tests.helpers import set_mode

    set_mode(world.group_b, Mode.ROUND_ROBIN)
    make_trigger(
        name="Billing desk",
        conditions=[{"field": "subject", "operator": "contains", "value": "invoice"}],
        actions=[
            {"type": "set_group", "params": {"group": world.group_b.name}},
            {"type": "set_status", "params": {"status": "open"}},
            {"type": "assign", "params": {"mode": "auto"}},
        ],
    )
    ticket = new_ticket(world, run, subject="Wrong invoice", group=world.group_a)
    ticket.refresh_from_db()
    assert ticket.group == world.group_b and ticket.state == "open"
    assert ticket.assignee is not None and world.group_b in ticket.assignee.agent_groups.all()
    assert TicketEvent.objects.filter(ticket=ticket, field="assignee").count() == 1
