"""The /hooks/ ASGI route: the same webhook view, outside Django's handler, on
long-lived threads; everything else passes through to the wrapped application."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings

from okno.channels.messengers.custom import signed_headers
from okno.channels.messengers.hooks_asgi import HooksRoute
from okno.channels.models import Connector, EnvelopeState, InboundEnvelope
from okno.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


class Wrapped:
    """Stands for the project's application: records what reached it."""

    def __init__(self):
        self.paths = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def route():
    route = HooksRoute(Wrapped(), threads=2)
    yield route
    route.executor.shutdown()


@pytest.fixture
def connector(world):
    return Connector.objects.create(kind="custom", name="Our app", group=world.group_a)


def call(route, path, *, method="POST", body=b"", headers=None, host="testserver", chunk=None):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", host.encode())]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
    }
    parts = [body[i : i + chunk] for i in range(0, len(body), chunk)] if chunk else [body]
    incoming = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    sent = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async_to_sync(route)(scope, receive, send)
    start, body_message = sent
    return start["status"], dict(start["headers"]), body_message["body"]


def signed(connector, payload, secret=None):
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        **signed_headers(secret or connector.secret, body),
    }
    return body, headers


def message(mid, text="Hello"):
    return {"id": mid, "chat_id": "c1", "user": {"id": "u1", "name": "Ann"}, "text": text}


def test_a_signed_webhook_is_stored_and_answered_without_the_wrapped_app(route, connector):
    path = f"/hooks/custom/{connector.key}/"
    body, headers = signed(connector, {"messages": [message("m1", "Printer is on fire")]})
    status, response_headers, content = call(route, path, body=body, headers=headers, chunk=7)
    assert (status, content) == (200, b"ok")
    assert response_headers[b"content-length"] == b"2"
    envelope = InboundEnvelope.objects.get(connector=connector)
    assert envelope.state == EnvelopeState.PROCESSED  # the test queue drains at once
    assert Ticket.objects.get(channel=Channel.CUSTOM).subject == "Printer is on fire"
    # The same delivery again: acknowledged, dropped by the unique key.
    assert call(route, path, body=body, headers=headers)[0] == 200
    assert InboundEnvelope.objects.count() == 1
    assert route.app.paths == []


def test_forged_unknown_and_foreign_requests_get_what_django_would_answer(route, connector):
    path = f"/hooks/custom/{connector.key}/"
    body, headers = signed(connector, {"messages": [message("m1")]}, secret="wrong")
    assert call(route, path, body=body, headers=headers)[0] == 403
    del headers["X-Okno-Signature"]
    assert call(route, path, body=body, headers=headers)[0] == 401
    assert call(route, "/hooks/custom/no-such-key/", body=body)[0] == 404
    assert call(route, "/hooks/nosuchkind/x/", body=body)[0] == 404
    assert call(route, path, method="GET")[0] == 405
    good, good_headers = signed(connector, {"messages": [message("m2")]})
    assert call(route, path, body=good, headers=good_headers, host="evil.example")[0] == 400
    assert InboundEnvelope.objects.count() == 0
    assert call(route, "/hooks/custom/", body=body)[0] == 204  # not a webhook path
    assert call(route, "/tickets/")[0] == 204
    assert route.app.paths == ["/hooks/custom/", "/tickets/"]


def test_a_body_over_the_upload_limit_is_refused_unread(route, connector):
    body, headers = signed(connector, {"messages": [message("m1", "x" * 5000)]})
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        status, _headers, _content = call(
            route, f"/hooks/custom/{connector.key}/", body=body, headers=headers, chunk=400
        )
    assert status == 413
    assert InboundEnvelope.objects.count() == 0


def test_the_project_application_serves_webhooks_through_the_route(connector):
    """okno.asgi (what `okno run` and `okno web` serve) puts the route in front."""
    from okno.asgi import application

    served = application.application_mapping["http"]
    assert isinstance(served, HooksRoute)
    body, headers = signed(connector, {"messages": [message("m9", "Through the project app")]})
    status, _headers, content = call(
        served, f"/hooks/custom/{connector.key}/", body=body, headers=headers
    )
    assert (status, content) == (200, b"ok")
    assert Ticket.objects.get(channel=Channel.CUSTOM).subject == "Through the project app"
