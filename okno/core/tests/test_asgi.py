"""okno.asgi serves HTTP on a fixed pool of long-lived threads, so a thread's
database connection outlives a request (docs/architecture.md, "HTTP inside a web
process")."""

import asyncio

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started
from django.db import connection
from django.db.backends.signals import connection_created

from okno.accounts.models import ApiToken, Role, User


def _get(application, path: str, token: str) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"authorization", f"Token {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def exchange() -> int:
        app = ApplicationCommunicator(application, scope)
        await app.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await app.receive_output(timeout=30)
        while (await app.receive_output(timeout=30)).get("more_body"):
            pass
        await app.wait(timeout=30)
        return start["status"]

    return asyncio.run(exchange())


REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_requests_share_long_lived_threads_and_their_connections(settings):
    from okno.asgi import application

    settings.ALLOWED_HOSTS = ["localhost"]
    user = User.objects.create(email="pool@example.com", name="Pool", role=Role.ADMIN)
    _token, key = ApiToken.issue(user=user, name="pool")
    threads, connects = [], []

    def on_request(**_kwargs):
        import threading

        threads.append(threading.current_thread())

    def on_connect(**_kwargs):
        connects.append(1)

    request_started.connect(on_request, dispatch_uid="test-asgi-threads")
    connection_created.connect(on_connect, dispatch_uid="test-asgi-connects")
    try:
        statuses = [_get(application, "/api/v1/me", key) for _ in range(REQUESTS)]
    finally:
        request_started.disconnect(dispatch_uid="test-asgi-threads")
        connection_created.disconnect(dispatch_uid="test-asgi-connects")

    assert statuses == [200] * REQUESTS
    served_by = set(threads)
    assert len(threads) == REQUESTS
    # The pool's executor may wake a new thread while the last one is still marking
    # itself idle, so how many serve varies; never more than the pool, never one each.
    assert settings.OKNO_WEB_THREADS < REQUESTS
    assert len(served_by) <= settings.OKNO_WEB_THREADS, served_by
    assert all(t.name.startswith("WSGI") for t in served_by)
    if connection.vendor == "sqlite":  # PostgreSQL: checked out of the pool per request
        assert len(connects) <= len(served_by), "a connection was opened per request"
