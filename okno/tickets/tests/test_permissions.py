"""The permission matrix: every persona × every action on a ticket of group A."""

import pytest
from django.http import Http404

from okno.accounts.models import TicketScope
from okno.tickets.permissions import Action, can, ticket_get_for_user, visible_tickets
from okno.tickets.services import ticket_update

ALL = set(Action.ALL)
AGENT = {"view", "reply", "note", "update", "assign", "merge", "solve"}
CUSTOMER = {"view", "reply", "solve"}

# persona -> the actions it may take on ticket_a (group A, requested by customer_acme)
MATRIX = {
    "admin": ALL,
    "supervisor": ALL,
    "agent_a": AGENT,
    "agent_a2": AGENT,
    "light_agent": {"view", "note"},
    "agent_b": set(),
    "customer_acme": CUSTOMER,
    "customer_acme2": set(),  # same organization, which does not share tickets
    "customer_globex": set(),
}


@pytest.mark.parametrize("persona", MATRIX)
@pytest.mark.parametrize("action", Action.ALL)
def test_matrix(world, persona, action):
    principal = getattr(world, persona)
    allowed = action in MATRIX[persona]
    assert can(principal, action, world.ticket_a) is allowed
    if allowed:
        assert (
            ticket_get_for_user(principal, world.ticket_a.number, action=action) == world.ticket_a
        )
    else:
        with pytest.raises(Http404):
            ticket_get_for_user(principal, world.ticket_a.number, action=action)


def test_customer_guessing_numbers_gets_404_for_every_other_ticket(world):
    for number in (world.ticket_b.number, 999999, "abc", -1):
        with pytest.raises(Http404):
            ticket_get_for_user(world.customer_acme, number)


def test_organization_sharing_widens_customer_view(world):
    world.org_acme.shares_tickets = True
    world.org_acme.save()
    world.customer_acme2.refresh_from_db()
    assert can(world.customer_acme2, "view", world.ticket_a)
    assert not can(world.customer_acme2, "view", world.ticket_b)


def test_follower_sees_ticket(world):
    world.ticket_b.followers.add(world.customer_acme)
    assert set(visible_tickets(world.customer_acme)) == {world.ticket_a, world.ticket_b}


def test_scope_setting_widens_and_narrows_agents(world):
    world.agent_b.ticket_scope = TicketScope.ALL
    world.agent_b.save()
    assert can(world.agent_b, "view", world.ticket_a)
    world.agent_a.ticket_scope = TicketScope.ASSIGNED
    world.agent_a.save()
    assert not can(world.agent_a, "view", world.ticket_a)
    ticket_update(ticket=world.ticket_a, actor=world.admin, changes={"assignee": world.agent_a})
    assert can(world.agent_a, "view", world.ticket_a)


def test_assignee_outside_group_still_sees_ticket(world):
    ticket_update(ticket=world.ticket_b, actor=world.admin, changes={"assignee": world.agent_a})
    assert can(world.agent_a, "view", world.ticket_b)


def test_deactivated_staff_sees_nothing(world):
    world.agent_a.is_active = False
    world.agent_a.save()
    assert not visible_tickets(world.agent_a).exists()
    assert not can(world.agent_a, "view", world.ticket_a)


def test_deleted_ticket_is_invisible_to_everyone(world):
    from okno.tickets.services import ticket_delete

    ticket_delete(ticket=world.ticket_a, actor=world.admin)
    for persona in ("admin", "agent_a", "customer_acme"):
        with pytest.raises(Http404):
            ticket_get_for_user(getattr(world, persona), world.ticket_a.number)


def test_ungrouped_ticket_is_seen_by_every_agent_but_not_customers_of_others(world):
    from okno.tickets.services import ticket_create

    unrouted = ticket_create(actor=world.customer_globex, subject="No group yet", body_text="Hello")
    assert can(world.agent_a, "view", unrouted) and can(world.agent_b, "view", unrouted)
    assert not can(world.customer_acme, "view", unrouted)
    world.agent_a.ticket_scope = TicketScope.ASSIGNED
    world.agent_a.save()
    assert not can(world.agent_a, "view", unrouted)
