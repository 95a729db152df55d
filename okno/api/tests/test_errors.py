"""Every error answers one shape: {"error": {code, message, field, details}}."""

import json

from okno.api.api import api
from okno.api.errors import error_response


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = json.loads(response.content)["error"]
    assert set(error) == {"code", "message", "field", "details"}
    assert error["code"] == code
    assert error["message"]
    assert error["field"] == field
    return error


def test_service_validation_failed_is_422_naming_the_field(world, api_as):
    response = api_as(world.agent_a).patch(
        f"/tickets/{world.ticket_a.number}", {"version": world.ticket_a.version, "subject": " "}
    )
    assert_error(response, 422, "validation_error", "subject")


def test_schema_validation_is_422_with_the_field_path(world, api_as):
    response = api_as(world.agent_a).post(
        "/tickets", {"subject": "x", "contact": {"email": 5, "name": "A"}}
    )
    error = assert_error(response, 422, "validation_error", "contact.email")
    assert error["details"][0]["field"] == "contact.email"


def test_query_validation_names_the_parameter(world, api_as):
    response = api_as(world.agent_a).get("/tickets", {"limit": 1000})
    assert_error(response, 422, "validation_error", "limit")


def test_unknown_field_is_422_naming_it(world, api_as):
    response = api_as(world.agent_a).post(
        "/tickets",
        {"subject": "x", "contact": {"email": "a@example.com", "name": "A"}, "colour": "red"},
    )
    error = assert_error(response, 422, "validation_error", "colour")
    assert "colour" in error["message"]
    nested = api_as(world.agent_a).post(
        "/tickets", {"subject": "x", "contact": {"email": "a@example.com", "phone": "1"}}
    )
    assert_error(nested, 422, "validation_error", "contact.phone")


def test_malformed_json_is_400(world, api_as):
    client = api_as(world.agent_a)
    response = client.post("/tickets", '{"subject": ', content_type="application/json")
    assert_error(response, 400, "bad_request")
    reply = client.post(
        f"/tickets/{world.ticket_a.number}/messages", "{nope", content_type="application/json"
    )
    assert_error(reply, 400, "bad_request")


def test_not_allowed_is_403(world, api_as):
    response = api_as(world.agent_a).post("/groups", {"name": "Third line"})
    assert_error(response, 403, "forbidden")


def test_not_found_is_404(world, api_as):
    client = api_as(world.agent_a)
    assert_error(client.get("/tickets/999999"), 404, "not_found")
    assert_error(client.get("/no/such/endpoint"), 404, "not_found")


def test_unauthenticated_is_401(world, api_as):
    assert_error(api_as().get("/me"), 401, "unauthorized")


def test_version_conflict_is_409(world, api_as):
    client = api_as(world.agent_a)
    number = world.ticket_a.number
    client.patch(f"/tickets/{number}", {"version": 1, "priority": "high"})
    error = assert_error(
        client.patch(f"/tickets/{number}", {"version": 1, "priority": "low"}),
        409,
        "version_conflict",
    )
    assert error["details"]["current_version"] == 2
    assert error["details"]["changes"][0]["field"] == "priority"


def test_bad_cursor_is_400(world, api_as):
    client = api_as(world.agent_a)
    for cursor in ("not-a-cursor", "W10", "WyJ4Il0"):
        assert_error(client.get("/tickets", {"cursor": cursor}), 400, "bad_cursor", "cursor")
    assert_error(client.get("/contacts", {"cursor": "zzz"}), 400, "bad_cursor", "cursor")


def test_unexpected_error_is_500_generic_and_logged(world, api_as, caplog):
    # Handlers are looked up per exception, so call the one Exception maps to.
    from django.test import RequestFactory

    request = RequestFactory().get("/api/v1/me")
    handler = api._lookup_exception_handler(RuntimeError("database on fire"))
    with caplog.at_level("ERROR", logger="okno.api"):
        response = handler(request, RuntimeError("database on fire"))
    error = assert_error(response, 500, "server_error")
    assert "fire" not in error["message"]
    assert "database on fire" in caplog.text


def test_error_response_helper_shape():
    response = error_response(418, "teapot", "Short and stout", field="spout", details={"a": 1})
    assert response.status_code == 418
