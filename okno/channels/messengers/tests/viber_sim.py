"""A local stand-in for the Viber REST bot API (and the media server it links to)."""

import hashlib
import hmac
import json

from okno.channels.messengers.tests.simulator import Call, Reply, Simulator


class ViberSimulator(Simulator):
    """send_message and set_webhook for one auth token; `files` are served under
    /media/<name> as the media URLs of customers' messages."""

    def __init__(self, token="viber-token"):  # noqa: S107
        super().__init__()
        self.token = token
        self.files: dict[str, tuple[bytes, str]] = {}
        self.redirects: dict[str, str] = {}  # path -> where a GET of it is sent on
        self.sent = 0

    def handle(self, call: Call):
        path = call.path.split("?")[0]
        if call.method == "GET" and path in self.redirects:
            return Reply(302, b"", {"Location": self.redirects[path]})
        if call.method == "GET" and path.startswith("/media/"):
            data, content_type = self.files[path.removeprefix("/media/")]
            return Reply(200, data, {"Content-Type": content_type})
        if call.headers.get("X-Viber-Auth-Token") != self.token:
            return Reply(200, {"status": 2, "status_message": "invalidAuthToken"})
        if call.method == "POST" and path == "/pa/send_message":
            self.sent += 1
            return Reply(
                200, {"status": 0, "status_message": "ok", "message_token": 5000 + self.sent}
            )
        if call.method == "POST" and path == "/pa/set_webhook":
            return Reply(
                200,
                {"status": 0, "status_message": "ok", "event_types": call.json()["event_types"]},
            )
        return None

    def sends(self) -> list[dict]:
        return [c.json() for c in self.calls_to("/pa/send_message")]


def status(code: int, message: str) -> Reply:
    return Reply(200, {"status": code, "status_message": message})


def sign(token: str, body: bytes) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def message(token, kind="text", user="01234567890A=", **fields) -> dict:
    body = {"type": kind, **fields}
    if kind == "text":
        body.setdefault("text", "Hello")
    return {
        "event": "message",
        "timestamp": 1763800000000,
        "message_token": token,
        "sender": {
            "id": user,
            "name": "Ann Lee",
            "language": "ru",
            "country": "RU",
            "api_version": 10,
        },
        "message": body,
        "silent": False,
    }


def dumps(payload) -> bytes:
    return json.dumps(payload).encode()
