"""A trigger walk writes its rules' field changes together: the statements do not
grow with the firing rules, and the history still names each rule, step by step."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from okno.automation import ruleset
from okno.automation.engine import process_events
from okno.automation.models import AutomationLog
from okno.tickets.catalog import fill_related
from okno.tickets.models import Message, Priority, Tag, TicketEvent
from okno.tickets.services import ticket_create


def tag_rules(make_trigger, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        make_trigger(
            name=f"Tag {i}",
            position=i,
            actions=[{"type": "add_tags", "params": {"tags": [f"t{i}"]}}],
        )


def walk(world, subject="Help"):
    """A new ticket (its handlers not run), then the trigger walk on its events,
    counting the statements."""
    ticket = ticket_create(actor=world.customer_acme, subject=subject, body_text="Broken")
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    ruleset.current()  # compiled once per change of the rules, not counted here
    fill_related([ticket])  # so is the catalog of statuses, groups, agents
    with CaptureQueriesContext(connection) as queries:
        process_events(events)
    return ticket, len(queries)


def test_statements_do_not_grow_with_the_firing_rules(world, make_trigger):
    Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(6)])  # a new tag costs an insert
    tag_rules(make_trigger, 1)
    _ticket, one = walk(world)
    tag_rules(make_trigger, 5, start=1)
    ticket, six = walk(world)
    assert six == one
    assert sorted(ticket.tags.values_list("name", flat=True)) == [f"t{i}" for i in range(6)]
    events = list(TicketEvent.objects.filter(ticket=ticket, field="tags").order_by("id"))
    assert [e.actor_label for e in events] == [f"Tag {i}" for i in range(6)]
    assert [e.version for e in events] == list(range(events[0].version, events[0].version + 6))
    assert events[-1].new == [f"t{i}" for i in range(6)]
    fired = sorted(AutomationLog.objects.filter(ticket=ticket, ok=True).values_list("rule_id"))
    assert all(e.data["automation"] == {"depth": 1, "fired": [r[0] for r in fired]} for e in events)


def test_another_action_between_field_rules_keeps_the_order_and_the_stamps(world, make_trigger):
    make_trigger(name="Tag", position=1, actions=[{"type": "add_tags", "params": {"tags": ["a"]}}])
    make_trigger(
        name="Note", position=2, actions=[{"type": "add_note", "params": {"text": "Seen"}}]
    )
    make_trigger(
        name="Urgent",
        position=3,
        conditions=[{"field": "tags", "operator": "contains", "value": "a"}],
        actions=[{"type": "set_priority", "params": {"priority": "urgent"}}],
    )
    ticket, _count = walk(world)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    written = TicketEvent.objects.filter(ticket=ticket, actor_kind="rule").order_by("id")
    assert [(e.actor_label, e.kind) for e in written] == [
        ("Tag", "field_changed"),
        ("Note", "note"),
        ("Urgent", "field_changed"),
    ]
    assert all(e.data["automation"]["depth"] == 1 for e in written)
    assert Message.objects.get(ticket=ticket, public=False).body_text == "Seen"


def test_a_change_refused_at_write_costs_only_that_action(world, make_trigger):
    make_trigger(
        name="Mixed",
        position=1,
        actions=[
            {"type": "assign", "params": {"user": world.light_agent.email}},
            {"type": "add_tags", "params": {"tags": ["kept"]}},
        ],
    )
    make_trigger(
        name="Later", position=2, actions=[{"type": "add_tags", "params": {"tags": ["z"]}}]
    )
    ticket, _count = walk(world)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["kept", "z"]
    ticket.refresh_from_db()
    assert ticket.assignee is None
    error = TicketEvent.objects.get(ticket=ticket, kind="automation_error")
    assert error.actor_label == "Mixed" and error.data["action"] == "assign"
    assert not AutomationLog.objects.filter(rule_name="Mixed", ok=True).exists()
    assert AutomationLog.objects.filter(rule_name="Later", ok=True).exists()
