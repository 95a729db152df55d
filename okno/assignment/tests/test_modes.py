"""Who gets a new ticket: each mode, capacity, skills, account managers, returning
customers and agents who are away."""

from collections import Counter

import pytest

from okno.assignment.models import GroupAssignment, Mode
from okno.assignment.services import agent_set_away, assign_ticket_automatically
from okno.assignment.tests.helpers import assignee_events, new_ticket, profile, set_mode, update
from okno.tickets.models import Category, TicketEvent

pytestmark = pytest.mark.django_db


def test_a_group_with_assignment_off_leaves_new_tickets_alone(world):
    set_mode(world.group_a, Mode.OFF)
    ticket = new_ticket(world)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_round_robin_takes_turns_among_agents_but_not_light_agents(world):
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    tickets = [new_ticket(world) for _ in range(6)]
    names = [t.__class__.objects.get(pk=t.pk).assignee.name for t in tickets]
    assert Counter(names) == {"Anna Agent": 3, "Artem Agent": 3}
    assert names[0] != names[1] and names[1] != names[2]
    event = assignee_events(tickets[0])[0]
    assert (event.actor_kind, event.actor_label) == ("system", "Auto-assignment")


def test_least_open_gives_the_ticket_to_the_agent_with_fewest_open(world):
    for _ in range(2):
        update(new_ticket(world), world.admin, assignee=world.agent_a)
    set_mode(world.group_a, Mode.LEAST_OPEN)
    first, second, third = (new_ticket(world) for _ in range(3))
    assert [t.__class__.objects.get(pk=t.pk).assignee for t in (first, second, third)] == [
        world.agent_a2,
        world.agent_a2,
        world.agent_a,
    ]


def test_capacity_is_respected_and_the_rest_wait(world):
    set_mode(world.group_a, Mode.LEAST_OPEN, capacity=1)
    profile(world.agent_a2, capacity=2)
    tickets = [new_ticket(world) for _ in range(5)]
    owners = Counter(str(t.__class__.objects.get(pk=t.pk).assignee) for t in tickets)
    assert owners == {"Anna Agent": 1, "Artem Agent": 2, "None": 2}


def test_skills_match_category_or_tag_and_fall_back_to_least_open(world):
    printers = Category.objects.create(name="Printers")
    set_mode(world.group_a, Mode.SKILLS)
    profile(world.agent_a2, skill_categories=[printers])
    profile(world.agent_a, skill_tags=["vip"])
    by_category = [new_ticket(world, category=printers) for _ in range(2)]
    by_tag = new_ticket(world, tags=["VIP"])
    nobody = new_ticket(world)
    get = by_tag.__class__.objects.get
    assert [get(pk=t.pk).assignee for t in by_category] == [world.agent_a2] * 2
    assert get(pk=by_tag.pk).assignee == world.agent_a
    # No skill matches: fewest open among all (Anna 1, Artem 2).
    assert get(pk=nobody.pk).assignee == world.agent_a


def test_account_manager_of_the_organization_comes_first(world):
    world.org_acme.account_manager = world.agent_a2
    world.org_acme.save()
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    tickets = [new_ticket(world, contact=world.customer_acme) for _ in range(3)]
    assert {t.__class__.objects.get(pk=t.pk).assignee for t in tickets} == {world.agent_a2}


def test_account_manager_outside_the_group_or_away_is_passed_over(world):
    world.customer_acme.account_manager = world.agent_b
    world.customer_acme.save()
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    ticket = new_ticket(world, contact=world.customer_acme)
    ticket.refresh_from_db()
    assert ticket.assignee in (world.agent_a, world.agent_a2)


def test_returning_customer_stays_with_the_previous_assignee(world):
    update(world.ticket_a, world.admin, assignee=world.agent_a2)
    set_mode(world.group_a, Mode.ROUND_ROBIN, keep_previous_assignee=True)
    again = [new_ticket(world, contact=world.customer_acme) for _ in range(2)]
    other = new_ticket(world, contact=world.customer_acme2)
    get = other.__class__.objects.get
    assert [get(pk=t.pk).assignee for t in again] == [world.agent_a2, world.agent_a2]
    assert get(pk=other.pk).assignee is not None


def test_without_the_setting_a_returning_customer_takes_the_next_turn(world):
    update(world.ticket_a, world.admin, assignee=world.agent_a2)
    row = set_mode(world.group_a, Mode.ROUND_ROBIN)
    row.last_assignee = world.agent_a2
    row.save()
    ticket = new_ticket(world, contact=world.customer_acme)
    ticket.refresh_from_db()
    assert ticket.assignee == world.agent_a


def test_agents_who_are_away_are_skipped(world):
    agent_set_away(user=world.agent_a, away=True)
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    tickets = [new_ticket(world) for _ in range(3)]
    assert {t.__class__.objects.get(pk=t.pk).assignee for t in tickets} == {world.agent_a2}
    agent_set_away(user=world.agent_a, away=False)
    world.agent_a.refresh_from_db()
    assert world.agent_a.is_available


def test_nobody_eligible_leaves_the_ticket_unassigned(world):
    for agent in (world.agent_a, world.agent_a2):
        agent_set_away(user=agent, away=True)
    set_mode(world.group_a, Mode.LEAST_OPEN)
    ticket = new_ticket(world)
    assert assign_ticket_automatically(ticket) is None
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_moving_an_unassigned_ticket_to_a_group_assigns_it(world):
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    update(world.ticket_b, world.agent_b, group=world.group_a)
    world.ticket_b.refresh_from_db()
    assert world.ticket_b.assignee in (world.agent_a, world.agent_a2)


def test_an_assigned_ticket_is_not_reassigned(world):
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    ticket = new_ticket(world, assignee=world.agent_a)
    assert assign_ticket_automatically(ticket) is None
    assert not TicketEvent.objects.filter(ticket_id=ticket.number, field="assignee").exists()
    assert GroupAssignment.objects.get(group=world.group_a).last_assignee is None


def test_a_ticket_created_without_a_group_costs_no_query_until_it_gets_one(
    world, django_assert_num_queries
):
    """The worker reads events with their tickets: one created groupless is skipped
    without a query; the "group" change that gives it one assigns it."""
    from okno.assignment.handlers import handle_ticket_events

    set_mode(world.group_a, Mode.ROUND_ROBIN)
    ticket = new_ticket(world, group=None)
    events = list(
        TicketEvent.objects.filter(ticket_id=ticket.number).select_related("ticket").order_by("id")
    )
    with django_assert_num_queries(0):
        handle_ticket_events(events)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    update(ticket, world.agent_b, group=world.group_a)
    ticket.refresh_from_db()
    assert ticket.assignee in (world.agent_a, world.agent_a2)
