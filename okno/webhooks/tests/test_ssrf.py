"""The SSRF guard: non-public targets are refused before any connection is made,
unless the admin allowed the host; redirects to them are refused hop by hop."""

import socket

import pytest

from okno.core.errors import ValidationFailed
from okno.webhooks import client, ssrf
from okno.webhooks.models import DeliveryState
from okno.webhooks.services import enqueue_event, send_to_url, subscription_create
from okno.webhooks.tasks import deliver

REFUSED = [
    "http://127.0.0.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://192.168.1.1:8080/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://127.1/",
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around 169.254.169.254
    "http://[fe80::1]/",
    "http://[fc00::1]/",
]


@pytest.fixture
def evil_dns(monkeypatch):
    """evil.test resolves to a private address (a DNS answer, mocked at the wire)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "evil.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port or 80))]
        if host == "mixed.test":  # one public and one private answer
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 80)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.0.5", port or 80)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize("url", [*REFUSED, "http://evil.test/", "http://mixed.test/"])
def test_the_guard_refuses_before_connecting(url, evil_dns, no_connections):
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check(url)
    with pytest.raises(client.SendError) as error:
        client.post(url, b"{}", {})
    assert error.value.refused
    assert no_connections == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http:///nohost", "http://a b/"],
)
def test_only_http_and_https_urls(url, no_connections):
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.parse(url)


def test_a_public_address_passes_and_is_pinned(evil_dns):
    target = ssrf.check("https://93.184.216.34:8443/x?y=1")
    assert target.address == "93.184.216.34" and target.path == "/x?y=1"
    assert target.host_header == "93.184.216.34:8443"


def test_the_allowlist_is_per_host(evil_dns):
    assert ssrf.check("http://evil.test/", ["EVIL.test"]).address == "10.1.2.3"
    assert ssrf.check("http://[::1]:9/", ["[::1]"]).address == "::1"
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check("http://evil.test/", ["other.test"])


def test_a_subscription_delivery_to_a_refused_host_fails_without_a_request(
    world, evil_dns, no_connections
):
    sub, _secret = subscription_create(
        actor=world.admin, url="http://evil.test/hook", events=["ticket.created"]
    )
    (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempt == 1
    assert "10.1.2.3" in delivery.error and delivery.status_code is None
    assert no_connections == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://169.254.169.254/", "http://[::ffff:127.0.0.1]/"]
)
def test_subscriptions_to_private_ip_literals_are_refused_on_save(world, url):
    with pytest.raises(ValidationFailed) as error:
        subscription_create(actor=world.admin, url=url, events=["ticket.created"])
    assert error.value.field == "url"


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:169.254.169.254]/",
        "http://localhost:1/",
        "http://10.0.0.1/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(world, receiver, subscribe, location):
    _sub, _secret = subscribe()
    receiver.answer(302, Location=location)
    (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1  # the allowed receiver only; the hop was refused
    assert delivery.state == DeliveryState.FAILED
    assert "non-public" in delivery.error


def test_redirects_within_allowed_hosts_are_followed_at_most_three_times(
    world, receiver, subscribe
):
    _sub, _secret = subscribe()
    receiver.answer(307, Location="/second")
    receiver.answer(308, Location=f"http://127.0.0.1:{receiver.port}/third")
    (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert [r["path"] for r in receiver.requests] == ["/hook", "/second", "/third"]
    assert delivery.state == DeliveryState.SUCCEEDED
    assert len({r["body"] for r in receiver.requests}) == 1

    receiver.requests.clear()
    receiver.script = [(302, {"Location": "/again"}, b"")] * 5
    (loop,) = enqueue_event(None, "ticket.created", world.ticket_a)
    deliver(loop.pk)
    loop.refresh_from_db()
    assert len(receiver.requests) == 4 and "redirects" in loop.error
    assert loop.state == DeliveryState.PENDING  # a receiver's mistake may be fixed: retry


def test_a_trigger_url_gets_the_same_guard(world, receiver, no_connections):
    with pytest.raises(ValidationFailed):
        send_to_url("http://169.254.169.254/latest/meta-data", {"x": 1})
    delivery = send_to_url("http://localhost/", {"x": 1}, "s3cret")
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and no_connections == []


def test_a_trigger_url_with_an_allowed_host_is_signed(world, receiver):
    from okno.webhooks.signing import sign

    delivery = send_to_url(
        receiver.url,
        {"rule": "VIP"},
        "s3cret",
        event="trigger.vip",
        allow_private_hosts=["127.0.0.1"],
    )
    deliver(delivery.pk)
    (request,) = receiver.requests
    headers = request["headers"]
    assert headers["X-Okno-Event"] == "trigger.vip"
    assert headers["X-Okno-Signature"] == sign(
        "s3cret", headers["X-Okno-Timestamp"], request["body"]
    )
    assert receiver.payloads()[0]["rule"] == "VIP"
    assert receiver.payloads()[0]["id"] == str(delivery.uuid)


def test_a_big_answer_is_cut_to_2_kb(world, receiver, subscribe):
    subscribe()
    receiver.answer(200, b"x" * 100_000)
    (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and len(delivery.response_body) == 2048
