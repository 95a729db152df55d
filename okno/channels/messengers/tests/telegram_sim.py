"""A local Telegram Bot API for tests: the real client code talks to it by base URL.

It answers /bot<token>/<method> and /file/bot<token>/<file_path> the way Telegram
does (`{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description",
"parameters"}`):
- getUpdates serves the queued updates from `offset` on and forgets the ones below
  it (Telegram's confirmation); with nothing queued it waits up to `timeout` seconds,
  capped at `max_wait` so tests stay fast. It answers 409 while a webhook is set.
- getFile + file download for files added with `add_file`;
- sendMessage, sendPhoto, sendDocument (multipart) are recorded in `sent`;
- setWebhook / deleteWebhook keep `webhook`.
Errors the way Telegram gives them: `rate_limited(seconds)`, `blocked()`,
`chat_not_found()`, `migrated(new id)`, `server_error()` replies for `fail_next` (the next calls of any
method) or `fail_method` (the next calls of one method).
"""

import itertools
import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP

from okno.channels.messengers.tests.simulator import Call, Reply, Simulator

TOKEN = "123456:TEST-token_abc"


def error(code: int, description: str, **parameters) -> Reply:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


def rate_limited(seconds: int) -> Reply:
    return error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


def blocked() -> Reply:
    return error(403, "Forbidden: bot was blocked by the user")


def chat_not_found() -> Reply:
    return error(400, "Bad Request: chat not found")


def migrated(new_chat_id: int) -> Reply:
    """The group the call named became a supergroup with this id."""
    return error(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_chat_id,
    )


def server_error() -> Reply:
    return error(500, "Internal Server Error")


def ok(result) -> Reply:
    return Reply(200, {"ok": True, "result": result})


def multipart(call: Call) -> dict:
    """The form fields of a multipart body: name -> str, or (filename, bytes, type)."""
    head = f"Content-Type: {call.headers.get('Content-Type', '')}\r\n\r\n".encode()
    form = BytesParser(policy=HTTP).parsebytes(head + call.body)
    fields = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if part.get_filename():
            fields[name] = (part.get_filename(), data, part.get_content_type())
        else:
            fields[name] = data.decode()
    return fields


class TelegramSimulator(Simulator):
    def __init__(self, token: str = TOKEN, *, max_wait: float = 0.3):
        super().__init__()
        self.token = token
        self.max_wait = max_wait
        self.updates: list[dict] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.sent: list[dict] = []  # {"method", "chat_id", "text" | "file": (name, data, type)}
        self.webhook: dict = {}
        self.method_failures: dict[str, list[Reply | None]] = {}
        self.arrived = threading.Condition(self.lock)
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)

    # --- what tests set up --------------------------------------------------------

    def push(self, update: dict) -> dict:
        """Queue an update for getUpdates (an update_id is given when it has none)."""
        with self.arrived:
            update.setdefault("update_id", 500_000 + next(self._ids))
            self.updates.append(update)
            self.arrived.notify_all()
        return update

    def add_file(self, data: bytes, path: str) -> str:
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = (path, data)
        return file_id

    def fail_method(self, method: str, *replies: Reply | None) -> None:
        """The next calls of `method` answer these (None: answered normally)."""
        with self.lock:
            self.method_failures.setdefault(method, []).extend(replies)

    # --- the API ------------------------------------------------------------------

    def handle(self, call: Call):
        path = call.path.split("?")[0]
        if path.startswith(f"/file/bot{self.token}/"):
            wanted = path.removeprefix(f"/file/bot{self.token}/")
            for file_path, data in self.files.values():
                if file_path == wanted:
                    return Reply(200, data, {"Content-Type": "application/octet-stream"})
            return Reply(404, b"Not Found")
        prefix, _slash, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return error(401, "Unauthorized") if prefix.startswith("/bot") else None
        is_form = call.headers.get("Content-Type", "").startswith("multipart/")
        params = multipart(call) if is_form else json.loads(call.body or b"{}")
        with self.lock:
            planned = self.method_failures.get(method)
            failure = planned.pop(0) if planned else None
        if failure is not None:
            return failure
        handler = getattr(self, f"api_{method}", None)
        return handler(params) if handler else error(404, "Not Found: method not found")

    def api_getUpdates(self, params):  # noqa: N802 (Telegram's names)
        if self.webhook.get("url"):
            return error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), self.max_wait)
        with self.arrived:
            if offset:  # confirmed: Telegram forgets them
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return ok(list(self.updates[:100]))

    def api_getFile(self, params):  # noqa: N802
        entry = self.files.get(params.get("file_id"))
        if entry is None:
            return error(400, "Bad Request: invalid file_id")
        path, data = entry
        return ok({"file_id": params["file_id"], "file_size": len(data), "file_path": path})

    def _sent(self, method: str, params: dict, content_field: str):
        record = {"method": method, "chat_id": str(params.get("chat_id"))}
        record[content_field] = params.get("text" if content_field == "text" else content_field)
        with self.lock:
            self.sent.append(record)
        chat = {"id": int(record["chat_id"]), "type": "private"}
        return ok({"message_id": next(self._message_ids), "chat": chat, "date": int(time.time())})

    def api_sendMessage(self, params):  # noqa: N802
        text = params.get("text") or ""
        if not text:
            return error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return error(400, "Bad Request: message is too long")
        return self._sent("sendMessage", params, "text")

    def api_sendPhoto(self, params):  # noqa: N802
        if not isinstance(params.get("photo"), tuple):
            return error(400, "Bad Request: there is no photo in the request")
        return self._sent("sendPhoto", params, "photo")

    def api_sendDocument(self, params):  # noqa: N802
        if not isinstance(params.get("document"), tuple):
            return error(400, "Bad Request: there is no document in the request")
        return self._sent("sendDocument", params, "document")

    def api_setWebhook(self, params):  # noqa: N802
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        return ok(True)

    def api_deleteWebhook(self, params):  # noqa: N802
        self.webhook = {}
        return ok(True)
