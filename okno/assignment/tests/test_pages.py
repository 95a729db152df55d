"""The away switch, the team page and the settings pages: who may use them."""

import pytest

from okno.assignment.models import AgentProfile, GroupAssignment, Mode
from okno.assignment.tests.helpers import new_ticket, set_mode

pytestmark = pytest.mark.django_db


def test_an_agent_goes_away_and_comes_back_from_the_top_bar(client, world):
    client.force_login(world.agent_a)
    page = client.get("/notifications/").content.decode()
    assert 'name="away" value="1"' in page
    answer = client.post("/availability/", {"away": "1", "next": "/notifications/"})
    assert answer.status_code == 302 and answer.url == "/notifications/"
    world.agent_a.refresh_from_db()
    assert not world.agent_a.is_available
    assert 'name="away" value="0"' in client.get("/notifications/").content.decode()
    client.post("/availability/", {"away": "0", "next": "https://evil.test/"})
    world.agent_a.refresh_from_db()
    assert world.agent_a.is_available


@pytest.mark.parametrize(
    ("persona", "status"),
    [("agent_a", 403), ("light_agent", 403), ("supervisor", 200), ("admin", 200)],
)
def test_team_page_is_for_supervisors_and_admins(client, world, persona, status):
    set_mode(world.group_a, Mode.ROUND_ROBIN)
    new_ticket(world)
    client.force_login(getattr(world, persona))
    answer = client.get("/team/")
    assert answer.status_code == status
    if status == 200:
        text = answer.content.decode()
        assert "Anna Agent" in text and "Boris Billing" in text and "Lena Light" not in text


@pytest.mark.parametrize(
    ("persona", "status"), [("agent_a", 403), ("supervisor", 403), ("admin", 200)]
)
def test_settings_pages_are_for_admins(client, world, persona, status):
    client.force_login(getattr(world, persona))
    assert client.get("/settings/assignment/").status_code == status
    assert client.get(f"/settings/assignment/groups/{world.group_a.pk}/").status_code == status
    assert client.get(f"/settings/assignment/agents/{world.agent_a.pk}/").status_code == status


def test_admin_saves_group_settings_and_an_agent_schedule(client, world):
    client.force_login(world.admin)
    answer = client.post(
        f"/settings/assignment/groups/{world.group_a.pk}/",
        {"mode": "least_open", "capacity": "5", "keep_previous_assignee": "on"},
    )
    assert answer.status_code == 302
    row = GroupAssignment.objects.get(group=world.group_a)
    assert (row.mode, row.capacity, row.keep_previous_assignee) == ("least_open", 5, True)
    answer = client.post(
        f"/settings/assignment/agents/{world.agent_a.pk}/",
        {
            "capacity": "3",
            "skill_tags": "VIP, printers",
            "day_0": "09:00-13:00, 14:00-18:00",
            "days_off": "2025-01-07",
        },
    )
    assert answer.status_code == 302
    profile = AgentProfile.objects.get(user=world.agent_a)
    assert profile.capacity == 3 and profile.skill_tags == ["printers", "vip"]
    assert profile.weekly_hours == {"0": [["09:00", "13:00"], ["14:00", "18:00"]]}
    assert profile.days_off == ["2025-01-07"]
    bad = client.post(f"/settings/assignment/agents/{world.agent_a.pk}/", {"day_1": "18:00-09:00"})
    assert bad.status_code == 400


def test_the_api_sets_a_group_mode_and_reads_the_team(client, world):
    from okno.accounts.models import ApiToken

    _t, admin_key = ApiToken.issue(user=world.admin)
    _t, agent_key = ApiToken.issue(user=world.agent_a)
    url = f"/api/v1/assignment/groups/{world.group_a.pk}"
    body = {"mode": "round_robin", "capacity": None, "keep_previous_assignee": False}
    denied = client.put(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {agent_key}"
    )
    assert denied.status_code == 403
    done = client.put(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {admin_key}"
    )
    assert done.status_code == 200 and done.json()["mode"] == "round_robin"
    team = client.get("/api/v1/assignment/team", HTTP_AUTHORIZATION=f"Token {admin_key}").json()
    assert {a["name"] for a in team} >= {"Anna Agent", "Artem Agent"}
    away = client.post(
        "/api/v1/assignment/availability",
        {"away": True},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {agent_key}",
    )
    assert away.json() == {"away": True}
