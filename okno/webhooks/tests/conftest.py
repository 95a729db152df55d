"""A real HTTP receiver on loopback, and subscriptions that may reach it.

The SSRF guard refuses loopback, so every subscription aimed at the receiver lists
127.0.0.1 in its allowlist: exactly the override an admin makes for an intranet host.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from okno.webhooks.services import subscription_create


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, bytes]] = []  # answers, in order; then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                status, headers, answer = (
                    receiver.script.pop(0) if receiver.script else (200, {}, b"ok")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        # shutdown() waits for serve_forever's next poll: 0.5 s by default, per test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def answer(self, status: int, body: bytes = b"", **headers):
        self.script.append((status, headers, body))

    def payloads(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def subscribe(world, receiver):
    """subscribe(events, **fields) -> (subscription, secret) aimed at the receiver."""

    def make(events=("ticket.created",), **fields):
        fields.setdefault("allow_private_hosts", ["127.0.0.1"])
        fields.setdefault("url", receiver.url)
        return subscription_create(actor=world.admin, events=list(events), **fields)

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the after-commit work (event fan-out, deliveries)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything opens a TCP connection (the guard must refuse first)."""
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts
