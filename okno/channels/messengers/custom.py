"""The custom channel: a company's own app chat, over a small signed HTTP API
(docs/custom-channel.md has the contract).

In:  POST /hooks/custom/<key>/ {"messages": [{"id", "chat_id", "user": {...},
     "text", "attachments": [{"filename", "content_type", "data" (base64)}]}]}
Out: POST <base URL>/messages {"id", "chat_id", "text", "attachments": [...]}
Both directions carry X-Okno-Timestamp and X-Okno-Signature, the scheme of our
outgoing webhooks (okno/webhooks/signing.py), keyed by the connector's secret.
"""

import base64
import binascii
import json
import time

from django.utils.translation import gettext as _

from okno.channels.messengers import http
from okno.channels.messengers.types import (
    Adapter,
    InboundMedia,
    InboundMessage,
    Rejected,
    register,
)
from okno.channels.outbound import DeliveryError
from okno.contacts.models import IdentityKind
from okno.webhooks import signing

MAX_MESSAGES = 100  # per webhook body
MAX_ID = 200  # characters of a message or chat id


def signed_headers(secret: str, body: bytes) -> dict:
    timestamp = int(time.time())
    return {
        "X-Okno-Timestamp": str(timestamp),
        "X-Okno-Signature": signing.sign(secret, timestamp, body),
    }


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


class CustomAdapter(Adapter):
    kind = "custom"

    def verify(self, connector, request):
        timestamp = request.headers.get("X-Okno-Timestamp", "")
        signature = request.headers.get("X-Okno-Signature", "")
        if not timestamp or not signature:
            raise Rejected(401, "missing signature")
        if not signing.verify(
            connector.secret, timestamp, request.body, signature, now=int(time.time())
        ):
            raise Rejected(403, "bad signature")

    def split(self, connector, body):
        data = json.loads(body)
        messages = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(messages, list) or not messages or len(messages) > MAX_MESSAGES:
            raise ValueError(f"expected 1 to {MAX_MESSAGES} items in 'messages'")
        items = []
        for item in messages:
            if not isinstance(item, dict):
                raise ValueError("every message must be an object")
            for name in ("id", "chat_id"):
                value = item.get(name)
                if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
                    raise ValueError(
                        f"every message needs a string {name!r} of 1 to {MAX_ID} characters"
                    )
            items.append((item["id"], json.dumps(item, ensure_ascii=False).encode("utf-8")))
        return items

    def parse(self, connector, item):
        data = json.loads(item)
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        extra = []
        if _text(user.get("email"), 254):
            extra.append((IdentityKind.EMAIL, user["email"]))
        if _text(user.get("phone"), 32):
            extra.append((IdentityKind.PHONE, user["phone"]))
        media = []
        for attachment in data.get("attachments") or []:
            if not isinstance(attachment, dict):
                continue
            try:
                content = base64.b64decode(attachment.get("data") or "", validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise ValueError("an attachment's 'data' is not base64") from None
            media.append(
                InboundMedia(
                    filename=_text(attachment.get("filename"), 200) or "file",
                    content_type=_text(attachment.get("content_type"), 120)
                    or "application/octet-stream",
                    data=content,
                )
            )
        user_id = _text(user.get("id"), 200) or data["chat_id"]
        return InboundMessage(
            chat_id=data["chat_id"],
            identity_kind=IdentityKind.CUSTOM,
            identity_value=f"{connector.pk}:{user_id}",
            external_id=data["id"],
            name=_text(user.get("name"), 200),
            text=_text(data.get("text"), 100_000),
            media=media,
            extra_identities=extra,
            language=_text(user.get("language"), 8),
        )

    def send(self, delivery, message, conversation):
        connector = conversation.connector
        if not connector.base_url:
            raise DeliveryError(_("The channel has no API address to send to."), permanent=True)
        payload = {
            "id": delivery.mail_id,
            "chat_id": conversation.external_id,
            "text": message.body_text if message else "",
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "data": base64.b64encode(a.file.read()).decode("ascii"),
                }
                for a in (message.attachments.all() if message else [])
            ],
        }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", **signed_headers(connector.secret, body)}
        answer = http.call(
            "POST", connector.base_url.rstrip("/") + "/messages", body=body, headers=headers
        )
        if answer.status == 410:  # the app says this user is gone / blocked us
            raise DeliveryError(_("The customer can no longer be reached there."), blocked=True)
        if not answer.ok:
            raise http.fail(answer)
        return str(answer.json().get("id") or "")


ADAPTER = register(CustomAdapter())
