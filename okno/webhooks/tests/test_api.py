"""/api/v1/webhooks: admins only, the secret in the create and rotate answers only."""

import pytest

from okno.api.tests.conftest import api_as  # noqa: F401 - the fixture
from okno.webhooks.models import Delivery, Subscription

PUBLIC_URL = "https://93.184.216.34/hook"


def test_crud_and_the_secret_shown_once(world, api_as):  # noqa: F811
    admin = api_as(world.admin)
    created = admin.post(
        "/webhooks",
        {"url": PUBLIC_URL, "events": ["ticket.created", "message.created"], "name": "CRM"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    sub = Subscription.objects.get()
    assert body["secret"] == sub.secret and body["secret"].startswith("whsec_")
    url = f"/webhooks/{body['id']}"
    got = admin.get(url).json()
    assert "secret" not in got and got["events"] == ["ticket.created", "message.created"]
    assert all("secret" not in row for row in admin.get("/webhooks").json())
    patched = admin.patch(url, {"events": ["sla.breach"], "active": False})
    assert patched.status_code == 200 and patched.json()["events"] == ["sla.breach"]
    assert patched.json()["active"] is False and "secret" not in patched.json()
    rotated = admin.post(f"{url}/rotate-secret").json()["secret"]
    sub.refresh_from_db()
    assert rotated == sub.secret != body["secret"]
    assert admin.delete(url).status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://127.0.0.1/", "events": ["ticket.created"]}, "url"),
        ({"url": "http://[::ffff:169.254.169.254]/", "events": ["ticket.created"]}, "url"),
        ({"url": "gopher://x/", "events": ["ticket.created"]}, "url"),
        ({"url": PUBLIC_URL, "events": ["ticket.exploded"]}, "events"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
    ],
)
def test_bad_subscriptions_are_refused(world, api_as, payload, field):  # noqa: F811
    response = api_as(world.admin).post("/webhooks", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert not Subscription.objects.exists()


def test_an_allowed_private_host_may_be_used(world, api_as):  # noqa: F811
    response = api_as(world.admin).post(
        "/webhooks",
        {
            "url": "http://10.0.0.7:8080/",
            "events": ["ticket.created"],
            "allow_private_hosts": ["10.0.0.7"],
        },
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("who", ["agent_a", "supervisor", "customer_acme"])
def test_only_admins(world, api_as, who):  # noqa: F811
    from okno.webhooks.services import subscription_create

    sub, _secret = subscription_create(actor=world.admin, url=PUBLIC_URL, events=["ticket.created"])
    client = api_as(getattr(world, who))
    assert client.get("/webhooks").status_code == 403
    assert client.get(f"/webhooks/{sub.pk}").status_code == 403
    assert client.get(f"/webhooks/{sub.pk}/deliveries").status_code == 403
    assert (
        client.post("/webhooks", {"url": PUBLIC_URL, "events": ["ticket.created"]}).status_code
        == 403
    )
    assert client.post(f"/webhooks/{sub.pk}/rotate-secret").status_code == 403
    assert client.post(f"/webhooks/{sub.pk}/test").status_code == 403
    assert client.delete(f"/webhooks/{sub.pk}").status_code == 403
    assert api_as(None).get("/webhooks").status_code == 401
    assert Subscription.objects.get().secret == sub.secret


def test_send_test_and_read_the_log(world, api_as, receiver, committed):  # noqa: F811
    admin = api_as(world.admin)
    sub_id = admin.post(
        "/webhooks",
        {"url": receiver.url, "events": ["ticket.created"], "allow_private_hosts": ["127.0.0.1"]},
    ).json()["id"]
    receiver.answer(500, b"<oops>")
    with committed():
        queued = admin.post(f"/webhooks/{sub_id}/test")
    assert queued.status_code == 202 and queued.json()["event"] == "ping"
    assert receiver.payloads()[0]["event"] == "ping"
    log = admin.get(f"/webhooks/{sub_id}/deliveries").json()
    assert [(d["event"], d["status_code"], d["state"]) for d in log] == [("ping", 500, "pending")]
    detail = admin.get(f"/webhooks/{sub_id}/deliveries/{log[0]['id']}").json()
    assert detail["response_body"] == "<oops>" and detail["payload"]["event"] == "ping"
    assert admin.get(f"/webhooks/{sub_id}/deliveries", {"state": "succeeded"}).json() == []
    # A test ping never counts against the webhook.
    assert admin.get(f"/webhooks/{sub_id}").json()["failure_count"] == 0
    assert Delivery.objects.count() == 1
    names = [e["name"] for e in admin.get("/webhooks/events").json()]
    assert "ticket.created" in names and "sla.breach" in names
