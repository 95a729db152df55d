"""Settings › Webhooks: administrators only, the secret shown once, bodies escaped."""

import pytest
from django.test import Client

from okno.tests.personas import PASSWORD
from okno.webhooks.models import Delivery, DeliveryState, Subscription
from okno.webhooks.services import subscription_create

PUBLIC_URL = "https://93.184.216.34/hook"  # an IP literal: checked without DNS


def login(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def sub(world):
    sub, _secret = subscription_create(
        actor=world.admin, url=PUBLIC_URL, events=["ticket.created"], name="CRM"
    )
    return sub


@pytest.mark.parametrize("who", ["agent_a", "supervisor", "light_agent"])
def test_only_admins_see_the_pages(world, sub, who):
    client = login(getattr(world, who))
    for path in (
        "/settings/webhooks/",
        "/settings/webhooks/new/",
        f"/settings/webhooks/{sub.pk}/",
        f"/settings/webhooks/{sub.pk}/deliveries/",
    ):
        assert client.get(path).status_code == 403
    assert client.post(f"/settings/webhooks/{sub.pk}/rotate/").status_code == 403
    assert client.post(f"/settings/webhooks/{sub.pk}/delete/").status_code == 403
    assert Subscription.objects.get(pk=sub.pk).secret == sub.secret


def test_strangers_go_to_the_login_page(db):
    response = Client().get("/settings/webhooks/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_create_shows_the_secret_once(world):
    client = login(world.admin)
    response = client.post(
        "/settings/webhooks/new/",
        {
            "name": "Billing sync",
            "url": "http://crm.intra:8080/okno",
            "events": ["ticket.created", "sla.breach"],
            "active": "on",
            "allow_private_hosts": "crm.intra\n10.0.0.7",
        },
    )
    sub = Subscription.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/settings/webhooks/{sub.pk}/"
    assert sub.events == ["ticket.created", "sla.breach"]
    assert sub.allow_private_hosts == ["crm.intra", "10.0.0.7"]
    assert sub.created_by == world.admin
    first = client.get(response["Location"])
    assert sub.secret in first.content.decode()
    second = client.get(response["Location"])
    assert second.status_code == 200 and sub.secret not in second.content.decode()
    # Rotating makes a new one, shown once too.
    client.post(f"/settings/webhooks/{sub.pk}/rotate/")
    sub.refresh_from_db()
    page = client.get(f"/settings/webhooks/{sub.pk}/").content.decode()
    assert sub.secret in page
    assert sub.secret not in client.get(f"/settings/webhooks/{sub.pk}/").content.decode()


def test_a_private_ip_url_is_refused_in_the_form(world):
    client = login(world.admin)
    response = client.post(
        "/settings/webhooks/new/",
        {"url": "http://169.254.169.254/latest/meta-data", "events": ["ticket.created"]},
    )
    assert response.status_code == 400
    assert "not a public address" in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_delivery_log_escapes_what_receivers_answer(world, sub):
    delivery = Delivery.objects.create(
        subscription=sub,
        url=sub.url,
        event="ticket.created",
        payload={"id": "1", "ticket": {"subject": "<img src=x onerror=alert(1)>"}},
        state=DeliveryState.FAILED,
        status_code=500,
        response_body="<script>alert('owned')</script>",
        error="<b>bad</b>",
        attempt=1,
    )
    client = login(world.admin)
    listing = client.get(f"/settings/webhooks/{sub.pk}/deliveries/").content.decode()
    assert "&lt;b&gt;bad&lt;/b&gt;" in listing and "<b>bad</b>" not in listing
    page = client.get(f"/settings/webhooks/{sub.pk}/deliveries/{delivery.pk}/").content.decode()
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_send_test_and_delete(world, sub, receiver, committed):
    sub.url, sub.allow_private_hosts = receiver.url, ["127.0.0.1"]
    sub.save()
    client = login(world.admin)
    with committed():
        response = client.post(f"/settings/webhooks/{sub.pk}/test/")
    assert response.status_code == 302
    (request,) = receiver.requests
    assert request["headers"]["X-Okno-Event"] == "ping"
    assert Delivery.objects.get().state == DeliveryState.SUCCEEDED
    client.post(f"/settings/webhooks/{sub.pk}/delete/")
    assert not Subscription.objects.exists() and not Delivery.objects.exists()
