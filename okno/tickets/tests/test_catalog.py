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
