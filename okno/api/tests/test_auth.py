"""Token authentication: header form, revocation, staff and customer principals."""

import datetime as dt

from django.utils import timezone

from okno.accounts.models import ApiToken


def test_no_token_is_401_json(world, api_as):
    response = api_as().get("/tickets")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_bad_token_is_401(world, api_as):
    client = api_as()
    for header in ("Token nonsense", "Bearer x", "Token", "", "token  "):
        response = client.get("/tickets", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "unauthorized"


def test_revoked_token_is_401(world, api_as):
    token, key = ApiToken.issue(user=world.agent_a)
    client = api_as()
    assert client.get("/me", headers={"Authorization": f"Token {key}"}).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert client.get("/me", headers={"Authorization": f"Token {key}"}).status_code == 401


def test_deactivated_user_token_is_401(world, api_as):
    client = api_as(world.agent_a)
    world.agent_a.is_active = False
    world.agent_a.save()
    assert client.get("/me").status_code == 401


def test_me_for_staff_and_customer(world, api_as):
    staff = api_as(world.agent_a).get("/me").json()
    assert staff == staff | {"type": "user", "email": "anna@okno.test", "role": "agent"}
    customer = api_as(world.customer_acme).get("/me").json()
    assert customer["type"] == "contact"
    assert customer["email"] == "ivan@acme.test"
    assert customer["role"] is None
    assert customer["organization"]["name"] == "Acme"


def test_last_used_is_written_at_most_once_a_minute(world, api_as):
    token, key = ApiToken.issue(user=world.agent_a)
    client = api_as()
    headers = {"Authorization": f"Token {key}"}
    client.get("/me", headers=headers)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/me", headers=headers)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/me", headers=headers)
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=2)


def test_openapi_and_docs_are_served(world, api_as):
    client = api_as()
    schema = client.client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Okno API"
    assert client.client.get("/api/v1/docs").status_code == 200
