"""/api/v1/sla/calendars and /api/v1/sla/policies: staff read, admins write, one
error shape."""

import pytest

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.sla.models import BusinessCalendar, SlaPolicy

WEEK = {"0": [["09:00", "13:00"], ["14:00", "18:00"]], "1": [["09:00", "18:00"]]}


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code
    if field is not None:
        assert body["field"] == field
    return body


def test_calendar_crud(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    created = admin.post(
        "/sla/calendars",
        {"name": "Kyiv", "time_zone": "Europe/Kyiv", "country": "UA", "weekly_hours": WEEK},
    )
    assert created.status_code == 201, created.content
    cal = created.json()
    assert cal["weekly_hours"]["0"] == WEEK["0"] and cal["weekly_hours"]["6"] == []
    url = f"/sla/calendars/{cal['id']}"
    date = admin.post(f"{url}/dates", {"date": "2026-06-06", "kind": "working"})
    assert date.status_code == 201, date.content
    patched = admin.patch(url, {"is_24x7": True, "name": "Kyiv 24/7"}).json()
    assert patched["is_24x7"] and patched["name"] == "Kyiv 24/7"
    assert [d["date"] for d in patched["dates"]] == ["2026-06-06"]
    assert api_as(world.agent_a).get("/sla/calendars").json()[0]["name"] == "Kyiv 24/7"
    assert admin.delete(f"{url}/dates/{date.json()['id']}").status_code == 204
    assert admin.delete(url).status_code == 204
    assert not BusinessCalendar.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"weekly_hours": {"0": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "weekly_hours.0"),
        ({"weekly_hours": {"1": [["18:00", "09:00"]]}}, "weekly_hours.1"),
        ({"weekly_hours": {}}, "weekly_hours"),
        ({"weekly_hours": WEEK, "country": "XX"}, "country"),
        ({"weekly_hours": WEEK, "time_zone": "Mars/Base"}, "time_zone"),
    ],
)
def test_bad_calendars_are_refused_with_the_error_shape(world, api_as, payload, field):  # noqa: F811
    response = api_as(world.admin).post("/sla/calendars", {"name": "Bad", **payload})
    assert_error(response, 422, "validation_error", field)
    assert not BusinessCalendar.objects.exists()


def test_policy_crud_with_targets_and_conditions(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    cal = BusinessCalendar.objects.create(name="Main")
    payload = {
        "name": "VIP",
        "calendar": cal.pk,
        "conditions": {"priority": ["high", 4], "group": [world.group_a.pk], "tags": ["vip"]},
        "warning_percent": 80,
        "targets": [
            {"priority": "urgent", "metric": "first_response", "minutes": 30},
            {"priority": 3, "metric": "resolution", "minutes": 480, "business_time": False},
        ],
    }
    created = admin.post("/sla/policies", payload)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["conditions"]["priority"] == [3, 4] and body["calendar"] == cal.pk
    assert {(t["priority"], t["metric"], t["minutes"]) for t in body["targets"]} == {
        ("urgent", "first_response", 30),
        ("high", "resolution", 480),
    }
    second = admin.post("/sla/policies", {"name": "Everyone else"}).json()
    assert [p["name"] for p in api_as(world.agent_b).get("/sla/policies").json()] == [
        "VIP",
        "Everyone else",
    ]
    url = f"/sla/policies/{body['id']}"
    patched = admin.patch(url, {"active": False, "targets": []}).json()
    assert patched["active"] is False and patched["targets"] == []
    assert patched["conditions"]["tags"] == ["vip"]  # untouched by the patch
    assert admin.delete(url).status_code == 204
    assert list(SlaPolicy.objects.values_list("pk", flat=True)) == [second["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"targets": [{"priority": "asap", "metric": "resolution", "minutes": 5}]}, "priority"),
        ({"targets": [{"priority": 2, "metric": "resolution", "minutes": 0}]}, "targets.0.minutes"),
        ({"conditions": {"group": [999999]}}, "conditions.group"),
        ({"conditions": {"weather": ["rain"]}}, "conditions"),
        ({"calendar": 999999}, "calendar"),
        ({"warning_percent": 0}, "warning_percent"),
    ],
)
def test_bad_policies_are_refused_with_the_error_shape(world, api_as, payload, field):  # noqa: F811
    response = api_as(world.admin).post("/sla/policies", {"name": "Bad", **payload})
    assert_error(response, 422, "validation_error", field)
    assert not SlaPolicy.objects.exists()


def test_only_admins_write_and_customers_read_nothing(world, api_as):  # noqa: F811
    policy = SlaPolicy.objects.create(name="P")
    for persona in (world.agent_a, world.supervisor):
        client = api_as(persona)
        assert client.get("/sla/policies").status_code == 200
        assert_error(client.post("/sla/policies", {"name": "X"}), 403, "forbidden")
        assert_error(client.delete(f"/sla/policies/{policy.pk}"), 403, "forbidden")
        assert_error(client.post("/sla/calendars", {"name": "X"}), 403, "forbidden")
    customer = api_as(world.customer_acme)
    assert_error(customer.get("/sla/policies"), 403, "forbidden")
    assert_error(customer.get("/sla/calendars"), 403, "forbidden")
    assert_error(api_as(world.admin).get("/sla/policies/999999"), 404, "not_found")
    assert SlaPolicy.objects.count() == 1
