"""How adapters call providers: one pooled urllib3 client, and one way to turn a
provider's answer into success or a `DeliveryError` the outbound service retries."""

import json
import logging
from dataclasses import dataclass

import urllib3
from django.utils.translation import gettext as _

from okno.channels.outbound import DeliveryError

log = logging.getLogger("okno.channels.messengers")

TIMEOUT = urllib3.Timeout(connect=5.0, read=30.0)
_POOL = urllib3.PoolManager(num_pools=20, maxsize=4, retries=False, timeout=TIMEOUT)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self) -> dict:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {"result": data}

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def retry_after(self) -> float | None:
        value = self.headers.get("Retry-After") or self.headers.get("retry-after")
        try:
            return float(value) if value else None
        except ValueError:
            return None


def call(
    method: str,
    url: str,
    *,
    json_body: dict | None = None,
    fields: dict | None = None,
    headers: dict | None = None,
    body: bytes | None = None,
    timeout: urllib3.Timeout | None = None,
) -> Answer:
    """One request; network trouble becomes a temporary DeliveryError."""
    headers = dict(headers or {})
    kwargs = {"headers": headers, "timeout": timeout or TIMEOUT, "redirect": False}
    if json_body is not None:
        headers["Content-Type"] = "application/json"
        kwargs["body"] = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
    elif fields is not None:
        kwargs["fields"] = fields  # multipart/form-data: values or (name, bytes, type)
    elif body is not None:
        kwargs["body"] = body
    try:
        response = _POOL.request(method, url, **kwargs)
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryError(_("The service could not be reached: %(error)s") % {"error": exc})
    return Answer(response.status, dict(response.headers), response.data)


def fail(answer: Answer, description: str = "") -> DeliveryError:
    """The error for a refused call: 429 waits as told, 5xx retries, other 4xx are
    permanent (the request itself is wrong: retrying cannot help)."""
    text = description or answer.body[:300].decode("utf-8", "replace")
    message = _("The service answered %(status)s: %(text)s") % {
        "status": answer.status,
        "text": text,
    }
    if answer.status == 429:
        return DeliveryError(message, retry_after=answer.retry_after() or 30)
    if answer.status >= 500 or answer.status in (408, 409):
        return DeliveryError(message)
    return DeliveryError(message, permanent=True)
