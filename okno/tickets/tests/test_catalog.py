"""The per-process catalog of statuses, groups, agents, categories, custom fields."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from okno.accounts.models import Group
from okno.tickets.catalog import catalog
from okno.tickets.models import Status, StatusCategory
from okno.tickets.permissions import agent_group_ids, visible_tickets

pytestmark = pytest.mark.django_db


def test_a_warm_catalog_runs_no_query_and_a_change_reloads_it(world):
    catalog("statuses", "groups")
    with CaptureQueriesContext(connection) as queries:
        catalog("statuses", "groups")
    assert len(queries) == 0
    Status.objects.create(name="Waiting for parts", category=StatusCategory.ON_HOLD)
    names = [s.name for s in catalog("statuses")["statuses"]]
    assert "Waiting for parts" in names


def test_group_ids_are_read_once_per_user_object_and_forgotten_on_change(world):
    agent = world.agent_a
    agent.__dict__.pop("_okno_group_ids", None)
    visible_tickets(agent)
    with CaptureQueriesContext(connection) as queries:
        visible_tickets(agent)
    assert len(queries) == 0
    extra = Group.objects.create(name="Extra")
    agent.agent_groups.add(extra)
    assert extra.pk in agent_group_ids(agent)


def test_memberships_come_from_the_catalog_and_follow_every_change(world):
    from okno.accounts.models import User

    def fresh(user):  # a new request's user object: nothing memoized on it
        return User.objects.get(pk=user.pk)

    agent = fresh(world.agent_a)
    agent_group_ids(agent)
    other = fresh(world.agent_a)
    with CaptureQueriesContext(connection) as queries:
        assert agent_group_ids(other) == [world.group_a.pk]
    assert len(queries) == 0

    # Changed from the group's side, through another object: the next request sees it.
    world.group_b.members.add(fresh(world.agent_a))
    assert set(agent_group_ids(fresh(world.agent_a))) == {world.group_a.pk, world.group_b.pk}
    world.group_a.members.remove(world.agent_a)
    assert agent_group_ids(fresh(world.agent_a)) == [world.group_b.pk]
    world.group_b.members.clear()
    assert agent_group_ids(fresh(world.agent_a)) == []
    assert not visible_tickets(fresh(world.agent_a)).filter(group=world.group_a).exists()


def test_lists_take_status_group_and_assignee_from_the_catalog(world):
    from okno.tickets.selectors import list_tickets
    from okno.tickets.services import ticket_update

    gone = world.agent_a2
    ticket_update(
        ticket=world.ticket_a,
        actor=world.admin,
        changes={"assignee": gone},
        expected_version=world.ticket_a.version,
    )
    gone.is_active = False  # no longer in the catalog's agents
    gone.save(update_fields=["is_active"])
    list_tickets(world.admin)  # warm
    with CaptureQueriesContext(connection) as queries:
        page = list_tickets(world.admin)
    main = next(q["sql"] for q in queries.captured_queries if 'FROM "tickets_ticket"' in q["sql"])
    assert 'JOIN "tickets_status"' not in main and 'JOIN "accounts_group"' not in main
    row = next(t for t in page.tickets if t.number == world.ticket_a.number)
    assert row.assignee.name == gone.name  # read for the row the catalog lacks
    assert row.status.name == Status.objects.get(pk=row.status_id).name
    assert row.group.name == world.group_a.name
