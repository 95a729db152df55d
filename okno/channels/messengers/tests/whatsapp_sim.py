"""A local stand-in for the WhatsApp Cloud API (Graph API paths, bearer auth)."""

import hashlib
import hmac
import json

from okno.channels.messengers.tests.simulator import Call, Reply, Simulator


class WhatsAppSimulator(Simulator):
    """Media lookups and downloads, uploads and sends for one phone number id.

    `media` maps a media id to (bytes, content type) the customer "sent"; `uploads`
    records what we uploaded; every send answers a new wamid."""

    def __init__(self, token="wa-token", phone_number_id="1000"):  # noqa: S107
        super().__init__()
        self.token = token
        self.phone_number_id = phone_number_id
        self.media: dict[str, tuple[bytes, str]] = {}
        self.uploads: list[bytes] = []
        self.sent = 0

    def handle(self, call: Call):
        if call.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": {"code": 190, "message": "Invalid OAuth access token"}})
        path = call.path.split("?")[0].strip("/")
        if call.method == "POST" and path == f"{self.phone_number_id}/messages":
            self.sent += 1
            return Reply(
                200,
                {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out-{self.sent}"}]},
            )
        if call.method == "POST" and path == f"{self.phone_number_id}/media":
            self.uploads.append(call.body)
            return Reply(200, {"id": f"up-{len(self.uploads)}"})
        if call.method == "GET" and path.startswith("download/"):
            data, content_type = self.media[path.removeprefix("download/")]
            return Reply(200, data, {"Content-Type": content_type})
        if call.method == "GET" and path in self.media:
            return Reply(
                200,
                {
                    "url": f"{self.url}/download/{path}",
                    "mime_type": self.media[path][1],
                    "id": path,
                },
            )
        return None

    def sends(self) -> list[dict]:
        return [c.json() for c in self.calls_to(f"/{self.phone_number_id}/messages")]


def error(code: int, status: int = 400, message: str = "error", **headers) -> Reply:
    return Reply(
        status,
        {"error": {"code": code, "message": message, "error_data": {"details": message}}},
        headers,
    )


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook(messages=(), statuses=(), contacts=(), phone_number_id="1000") -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001000", "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def text(mid, body="Hello", wa_id="79161234567"):
    return {
        "from": wa_id,
        "id": mid,
        "timestamp": "1763800000",
        "type": "text",
        "text": {"body": body},
    }


def contact(wa_id="79161234567", name="Ann Lee"):
    return {"profile": {"name": name}, "wa_id": wa_id}


def dumps(payload) -> bytes:
    return json.dumps(payload).encode()
