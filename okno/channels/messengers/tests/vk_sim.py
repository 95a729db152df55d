"""A local stand-in for the VK API: methods under /method/, upload servers, media."""

import json
from urllib.parse import parse_qs

from okno.channels.messengers.tests.simulator import Call, Reply, Simulator

GROUP_ID = 218000


class VkSimulator(Simulator):
    """messages.send (dropping a repeated random_id as VK does), photo and document
    uploads, users.get; `files` are served under /media/<name>."""

    def __init__(self, token="vk-token"):  # noqa: S107
        super().__init__()
        self.token = token
        self.files: dict[str, tuple[bytes, str]] = {}
        self.messages: dict[str, dict] = {}  # random_id -> the params of the message
        self.uploads: list[bytes] = []
        self.names = {"501": ("Ann", "Lee")}

    def handle(self, call: Call):
        path = call.path.split("?")[0]
        if call.method == "GET" and path.startswith("/media/"):
            data, content_type = self.files[path.removeprefix("/media/")]
            return Reply(200, data, {"Content-Type": content_type})
        if path == "/upload/photo":
            self.uploads.append(call.body)
            return Reply(200, {"server": 7, "photo": '[{"photo":"abc"}]', "hash": "h1"})
        if path == "/upload/doc":
            self.uploads.append(call.body)
            return Reply(200, {"file": "f1"})
        if not path.startswith("/method/"):
            return None
        params = {k: v[0] for k, v in parse_qs(call.body.decode()).items()}
        if params.get("access_token") != self.token:
            return Reply(200, error(5, "User authorization failed"))
        if params.get("v") != "5.199":
            return Reply(200, error(8, "Invalid request: v is required"))
        return self.method(path.removeprefix("/method/"), params)

    def method(self, name: str, params: dict):
        if name == "messages.send":
            self.messages.setdefault(params["random_id"], params)  # a repeat is not sent again
            return Reply(200, {"response": list(self.messages).index(params["random_id"]) + 100})
        if name == "photos.getMessagesUploadServer":
            return Reply(
                200, {"response": {"upload_url": f"{self.url}/upload/photo", "album_id": -64}}
            )
        if name == "photos.saveMessagesPhoto":
            return Reply(
                200, {"response": [{"id": 457, "owner_id": -GROUP_ID, "access_key": "k9"}]}
            )
        if name == "docs.getMessagesUploadServer":
            return Reply(200, {"response": {"upload_url": f"{self.url}/upload/doc"}})
        if name == "docs.save":
            return Reply(
                200,
                {
                    "response": {
                        "type": "doc",
                        "doc": {"id": 88, "owner_id": -GROUP_ID, "title": params["title"]},
                    }
                },
            )
        if name == "users.get":
            first, last = self.names.get(params["user_ids"], ("", ""))
            return Reply(
                200,
                {
                    "response": [
                        {"id": int(params["user_ids"]), "first_name": first, "last_name": last}
                    ]
                },
            )
        return Reply(200, error(3, "Unknown method passed"))

    def sent(self) -> list[dict]:
        """Each messages.send call's parameters, repeats included."""
        return [
            {k: v[0] for k, v in parse_qs(c.body.decode()).items()}
            for c in self.calls_to("/method/messages.send")
        ]


def error(code: int, message: str) -> dict:
    return {"error": {"error_code": code, "error_msg": message, "request_params": []}}


def event(kind: str, obj: dict, *, secret: str, event_id: str | None = None) -> dict:
    body = {"type": kind, "object": obj, "group_id": GROUP_ID, "v": "5.199", "secret": secret}
    if event_id is not None:
        body["event_id"] = event_id
    return body


def message_new(
    mid: int, text="Hello", from_id=501, *, secret: str, event_id=None, **fields
) -> dict:
    message = {
        "date": 1763800000,
        "from_id": from_id,
        "id": mid,
        "out": 0,
        "peer_id": from_id,
        "text": text,
        "conversation_message_id": mid,
        "attachments": [],
        **fields,
    }
    return event(
        "message_new",
        {"message": message, "client_info": {"keyboard": True}},
        secret=secret,
        event_id=event_id if event_id is not None else f"ev{mid}",
    )


def dumps(payload) -> bytes:
    return json.dumps(payload).encode()
