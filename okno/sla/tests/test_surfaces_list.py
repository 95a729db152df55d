"""The ticket API's `sla` list, the "urgent" sort with keyset pages, and the
sla:breached / sla:due1h filters (API and agent list)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.sla.tests.test_surfaces_ticket import T0, make_ticket, policy  # noqa: F401


def walk(client, params):
    seen, cursor = [], None
    while True:
        response = client.get("/tickets", {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            return seen


@pytest.fixture
def spread(world, policy, make_ticket):  # noqa: F811
    """Seven tickets created 10 minutes apart: the first is due first."""
    return [make_ticket(f"T{i}", at=T0 + dt.timedelta(minutes=10 * i)) for i in range(7)]


def test_api_ticket_has_its_sla_targets(world, api_as, spread):  # noqa: F811
    client = api_as(world.agent_a)
    with time_machine.travel(T0 + dt.timedelta(minutes=65), tick=False):
        body = client.get(f"/tickets/{spread[0].number}").json()
    by_metric = {row["metric"]: row for row in body["sla"]}
    first = by_metric["first_response"]
    assert first["state"] == "breached" and first["breached"] and first["breach_minutes"] == 5
    assert first["due_at"].startswith("2026-03-02T10:00:00")
    assert by_metric["resolution"] == {
        "metric": "resolution",
        "due_at": by_metric["resolution"]["due_at"],
        "state": "on_track",
        "breached": False,
        "breach_minutes": None,
        "paused": False,
    }
    assert client.get(f"/tickets/{world.ticket_a.number}").json()["sla"] == []


def test_api_list_loads_sla_in_a_flat_number_of_queries(world, api_as, policy, make_ticket):  # noqa: F811
    client = api_as(world.agent_a)
    make_ticket("one")
    client.get("/tickets")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/tickets", {"limit": 100})
        assert any(row["sla"] for row in response.json()["results"])
        return len(queries)

    few = count()
    for i in range(6):
        make_ticket(f"more {i}")
    assert count() == few


def test_urgent_sort_pages_through_every_ticket_nearest_due_first(world, api_as, spread):  # noqa: F811
    client = api_as(world.supervisor)
    with time_machine.travel(T0 + dt.timedelta(minutes=90), tick=False):
        seen = walk(client, {"sort": "urgent", "limit": 3})
    assert len(seen) == len(set(seen)) == 9
    assert seen[:7] == [t.number for t in spread]  # nearest due first, late ones included
    assert set(seen[7:]) == {world.ticket_a.number, world.ticket_b.number}  # no SLA: last


def test_urgent_sort_from_the_query_language_and_the_list_page(client, world, spread):
    client.force_login(world.supervisor)
    response = client.get(reverse("web:inbox"), {"view": "all", "q": "sort:urgent"})
    assert response.status_code == 200
    numbers = [t.number for t in response.context["page"].tickets]
    assert numbers[:7] == [t.number for t in spread]


def test_sla_breached_and_due_within_filters(world, api_as, spread):  # noqa: F811
    client = api_as(world.supervisor)
    # At 10:25 the first response of T0 (due 10:00), T1 (10:10), T2 (10:20) are late;
    # T3 (10:30) … T7 fall due within the hour, until 11:25.
    with time_machine.travel(T0 + dt.timedelta(minutes=85), tick=False):
        breached = walk(client, {"q": "sla:breached"})
        soon = walk(client, {"q": "sla:due1h"})
        soon_short = walk(client, {"q": "sla:due10m"})
    assert set(breached) == {t.number for t in spread[:3]}
    assert set(soon) == {t.number for t in spread[3:]}
    assert set(soon_short) == {spread[3].number}


def test_unknown_sla_filter_is_reported(client, world):
    client.force_login(world.agent_a)
    response = client.get(reverse("web:inbox"), {"q": "sla:whenever"})
    assert "sla:whenever" in response.context["page"].errors
