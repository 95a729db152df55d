"""Time tracking on the ticket page and the API: logging, editing, permissions, timer."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.reports.models_time import ActivityType, RunningTimer, TimeEntry
from okno.reports.timetracking import entry_create

HTMX = {"HX-Request": "true"}


@pytest.fixture
def support(db):
    return ActivityType.objects.create(name="Support", billable=True, hourly_rate="50.00")


@pytest.fixture
def research(db):
    return ActivityType.objects.create(name="Research", billable=False, hourly_rate="0")


def log(client, ticket, **data):
    return client.post(f"/time/ticket/{ticket.number}/log/", data, headers=HTMX)


def test_an_agent_logs_time_and_sees_it_in_the_panel(world, client, support):
    client.force_login(world.agent_a)
    response = log(
        client,
        world.ticket_a,
        minutes="25",
        activity=support.pk,
        billable="on",
        note="Reinstalled driver",
    )
    assert response.status_code == 200
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.user, entry.minutes, entry.activity, entry.billable) == (
        world.ticket_a,
        world.agent_a,
        25,
        support,
        True,
    )
    assert b"Reinstalled driver" in response.content
    panel = client.get(f"/time/ticket/{world.ticket_a.number}/")
    assert b"25 min in total" in panel.content
    page = client.get(f"/tickets/{world.ticket_a.number}/")
    assert f"/time/ticket/{world.ticket_a.number}/".encode() in page.content


def test_bad_minutes_are_refused(world, client):
    client.force_login(world.agent_a)
    assert log(client, world.ticket_a, minutes="0").status_code == 400
    assert log(client, world.ticket_a, minutes="abc").status_code == 400
    assert log(client, world.ticket_a, minutes="5000").status_code == 400
    assert not TimeEntry.objects.exists()


def test_time_is_logged_only_on_tickets_one_may_write_notes_on(world, client):
    client.force_login(world.agent_b)  # another group
    assert log(client, world.ticket_a, minutes="10").status_code == 404
    client.force_login(world.light_agent)  # notes-only role, same group: allowed
    assert log(client, world.ticket_a, minutes="10").status_code == 200
    client.logout()
    assert log(client, world.ticket_a, minutes="10").status_code == 403
    assert list(TimeEntry.objects.values_list("user__email", flat=True)) == ["lena@okno.test"]


def test_only_the_author_or_a_supervisor_edits_and_deletes(world, client, support):
    entry = entry_create(ticket=world.ticket_a, user=world.agent_a, minutes=30, activity=support)
    client.force_login(world.agent_a2)  # same group, not the author
    assert client.post(f"/time/entries/{entry.pk}/edit/", {"minutes": "5"}).status_code == 403
    assert client.post(f"/time/entries/{entry.pk}/delete/").status_code == 403
    client.force_login(world.agent_b)  # cannot even see the ticket
    assert client.post(f"/time/entries/{entry.pk}/delete/").status_code == 404
    client.force_login(world.agent_a)
    edited = client.post(
        f"/time/entries/{entry.pk}/edit/", {"minutes": "45", "activity": support.pk, "note": "more"}
    )
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert (entry.minutes, entry.note, entry.billable) == (45, "more", False)  # unchecked box
    client.force_login(world.supervisor)
    assert client.post(f"/time/entries/{entry.pk}/delete/", headers=HTMX).status_code == 200
    assert not TimeEntry.objects.exists()


def test_the_timer_runs_across_requests_and_stop_logs_the_time(world, client, support):
    client.force_login(world.agent_a)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client.post(f"/time/ticket/{world.ticket_a.number}/timer/start/", headers=HTMX)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        # a reload (new request) still shows the running timer, started on the server
        panel = client.get(f"/time/ticket/{world.ticket_a.number}/")
        assert (
            f'data-time-started="{timezone.localtime(start).isoformat()}"'.encode() in panel.content
        )
        # starting again (another tab) keeps the first start time
        client.post(f"/time/ticket/{world.ticket_a.number}/timer/start/", headers=HTMX)
    assert RunningTimer.objects.get().started_at == start
    with time_machine.travel(start + dt.timedelta(minutes=42, seconds=20), tick=False):
        response = client.post(
            f"/time/ticket/{world.ticket_a.number}/timer/stop/",
            {"activity": support.pk, "billable": "on", "note": "On the phone"},
            headers=HTMX,
        )
    assert response.status_code == 200
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.started_at, entry.activity, entry.note) == (
        42,
        start,
        support,
        "On the phone",
    )
    assert not RunningTimer.objects.exists()


def test_a_discarded_timer_logs_nothing(world, client):
    client.force_login(world.agent_a)
    client.post(f"/time/ticket/{world.ticket_a.number}/timer/start/")
    client.post(f"/time/ticket/{world.ticket_a.number}/timer/stop/", {"discard": "1"})
    assert not RunningTimer.objects.exists()
    assert not TimeEntry.objects.exists()


def test_the_api_logs_changes_and_deletes_entries(world, api_as, support, research):  # noqa: F811
    anna = api_as(world.agent_a)
    created = anna.post(
        "/time-entries", {"ticket": world.ticket_a.number, "minutes": 15, "activity": research.pk}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["minutes"], body["billable"], body["activity"]) == (
        15,
        False,
        research.pk,
    )  # the activity's default
    assert [
        e["id"] for e in anna.get("/time-entries", {"ticket": world.ticket_a.number}).json()
    ] == [body["id"]]
    patched = anna.patch(f"/time-entries/{body['id']}", {"minutes": 20, "billable": True})
    assert (patched.status_code, patched.json()["minutes"], patched.json()["billable"]) == (
        200,
        20,
        True,
    )

    assert (
        api_as(world.agent_b)
        .post("/time-entries", {"ticket": world.ticket_a.number, "minutes": 5})
        .status_code
        == 404
    )
    assert api_as(world.agent_a2).delete(f"/time-entries/{body['id']}").status_code == 403
    assert (
        api_as(world.customer_acme)
        .post("/time-entries", {"ticket": world.ticket_a.number, "minutes": 5})
        .status_code
        == 403
    )
    assert anna.delete(f"/time-entries/{body['id']}").status_code == 204
    assert not TimeEntry.objects.exists()


def test_the_api_timer(world, api_as):  # noqa: F811
    anna = api_as(world.agent_a)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        assert anna.post(f"/time-entries/timer/{world.ticket_a.number}/start").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=7), tick=False):
        stopped = anna.post(f"/time-entries/timer/{world.ticket_a.number}/stop", {"note": "call"})
    assert stopped.status_code == 200
    assert stopped.json()["minutes"] == 7


def test_activity_types_are_unique_by_name(world, api_as, support):  # noqa: F811
    sofia = api_as(world.supervisor)
    assert sofia.post("/time-entries/activity-types", {"name": "Travel"}).status_code == 201
    assert sofia.post("/time-entries/activity-types", {"name": "support"}).status_code == 422
    assert (
        api_as(world.agent_a).post("/time-entries/activity-types", {"name": "X"}).status_code == 403
    )
