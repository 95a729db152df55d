"""The compiled rule set and the snapshot the engine walks: cached per process,
rebuilt on change, a fixed number of queries whatever the number of rules, one
write per rule for its field actions."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from okno.automation import ruleset, services
from okno.automation.engine import process_events
from okno.automation.models import AutomationLog
from okno.tickets.catalog import fill_related
from okno.tickets.models import CustomField, Priority, TicketEvent
from okno.tickets.services import ticket_create


def events_of(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))


def quiet_ticket(world, subject="Printer broken"):
    """A new ticket whose events have not been handed to the handlers yet."""
    return ticket_create(actor=world.customer_acme, subject=subject, body_text="It jams")


def tags_of(ticket):
    return sorted(ticket.tags.values_list("name", flat=True))


def test_rule_set_is_rebuilt_after_a_save_and_a_delete(world, make_trigger):
    first = ruleset.current()
    assert ruleset.current() is first  # cached while nothing changes
    trigger = make_trigger(name="Tag", actions=[{"type": "add_tags", "params": {"tags": ["a"]}}])
    second = ruleset.current()
    assert second is not first and [t.pk for t in second.triggers] == [trigger.pk]
    services.trigger_save(
        actor=world.admin,
        trigger=trigger,
        values={"name": "Tag", "events": ["created"], "active": False, "actions": trigger.actions},
    )
    assert ruleset.current().triggers == []
    services.trigger_save(
        actor=world.admin,
        trigger=trigger,
        values={"name": "Tag", "events": ["created"], "actions": trigger.actions},
    )
    assert len(ruleset.current().triggers) == 1
    services.trigger_delete(actor=world.admin, trigger=trigger)
    assert ruleset.current().triggers == []


def test_a_warm_rule_set_costs_no_query_and_other_changes_do_not_rebuild_it(
    world, make_trigger, django_assert_num_queries
):
    make_trigger(name="Tag", actions=[{"type": "add_tags", "params": {"tags": ["a"]}}])
    first = ruleset.current()
    with django_assert_num_queries(0):
        assert ruleset.current() is first
    world.group_a.save()  # the catalog moves: the token is read again, the same
    with django_assert_num_queries(1):
        assert ruleset.current() is first
    ruleset.rules_changed()
    assert ruleset.current() is not first


def test_queries_do_not_grow_with_the_number_of_rules(world, make_trigger):
    def queries_for_a_new_ticket():
        ticket = quiet_ticket(world)
        events = events_of(ticket)
        ruleset.current()  # the set is built once per change, not per ticket
        fill_related([ticket])  # so is the catalog of statuses, groups, agents
        with CaptureQueriesContext(connection) as captured:
            process_events(events)
        return len(captured.captured_queries), ticket

    fields = ["subject", "body", "contact.email", "tags", "organization", "channel"]
    for i in range(6):  # every field once: each fact is read once
        make_trigger(
            name=f"Miss {i}",
            conditions=[{"field": fields[i], "operator": "contains", "value": f"nothing{i}"}],
            actions=[{"type": "add_tags", "params": {"tags": [f"t{i}"]}}],
        )
    few, _ticket = queries_for_a_new_ticket()
    for i in range(6, 60):
        make_trigger(
            name=f"Miss {i}",
            conditions=[
                {"field": fields[i % 6], "operator": "contains", "value": f"nothing{i}"},
                {"field": "subject", "operator": "matches", "value": rf"refund\s+{i}"},
            ],
            actions=[{"type": "add_tags", "params": {"tags": [f"t{i}"]}}],
        )
    many, ticket = queries_for_a_new_ticket()
    assert many == few, (few, many)
    assert tags_of(ticket) == []


def test_a_rules_field_actions_are_one_write_named_after_the_rule(world, make_trigger):
    make_trigger(
        name="Printers",
        conditions=[{"field": "subject", "operator": "contains", "value": "printer"}],
        actions=[
            {"type": "set_priority", "params": {"priority": "high"}},
            {"type": "add_tags", "params": {"tags": ["printer", "hardware"]}},
            {"type": "remove_tags", "params": {"tags": ["hardware"]}},
            {"type": "set_group", "params": {"group": world.group_b.name}},
        ],
    )
    make_trigger(
        name="Urgent printers",
        conditions=[{"field": "tags", "operator": "contains", "value": "printer"}],
        actions=[{"type": "set_priority", "params": {"priority": "urgent"}}],
    )
    ticket = quiet_ticket(world)
    version = ticket.version
    process_events(events_of(ticket))
    ticket.refresh_from_db()
    assert ticket.version == version + 2  # one write per rule
    assert ticket.priority == Priority.URGENT and ticket.group == world.group_b
    assert tags_of(ticket) == ["printer"]
    changes = TicketEvent.objects.filter(ticket=ticket, actor_kind="rule").order_by("id")
    assert [(e.actor_label, e.field) for e in changes] == [
        ("Printers", "priority"),
        ("Printers", "tags"),
        ("Printers", "group"),
        ("Urgent printers", "priority"),
    ]


def test_a_failing_change_in_a_merged_write_costs_no_other(world, make_trigger):
    CustomField.objects.create(key="cause", label="Cause", kind="text", required_to_solve=True)
    trigger = make_trigger(
        name="Solve and tag",
        actions=[
            {"type": "set_status", "params": {"status": "solved"}},  # needs the cause
            {"type": "add_tags", "params": {"tags": ["tried"]}},
        ],
    )
    ticket = quiet_ticket(world)
    process_events(events_of(ticket))
    ticket.refresh_from_db()
    assert ticket.state == "new" and tags_of(ticket) == ["tried"]
    failed = AutomationLog.objects.get(rule_id=trigger.pk, ok=False)
    assert failed.message.startswith("set_status:")
    assert TicketEvent.objects.filter(ticket=ticket, kind="automation_error").count() == 1


def test_a_condition_that_cannot_compile_is_logged_not_fatal(world, make_trigger):
    broken = make_trigger(name="Broken", actions=[{"type": "add_tags", "params": {"tags": ["b"]}}])
    make_trigger(name="Fine", actions=[{"type": "add_tags", "params": {"tags": ["fine"]}}])
    type(broken).objects.filter(pk=broken.pk).update(
        conditions=[{"field": "subject", "operator": "matches", "value": "(" * 300}]
    )
    ruleset.rules_changed()
    ticket = quiet_ticket(world)
    process_events(events_of(ticket))
    assert tags_of(ticket) == ["fine"]
    broken.refresh_from_db()
    assert broken.error_count == 1 and "too long" in broken.last_error
