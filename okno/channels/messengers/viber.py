"""Viber bot (REST bot API).

In:  POST /hooks/viber/<key>/ with `X-Viber-Content-Signature`: the hex HMAC-SHA256
     of the raw body under the bot's auth token (connector.token). Events:
     - message: stored, keyed by its message_token, becomes a ticket message;
     - subscribed / unsubscribed: stored; they unblock / block the chat (after
       "unsubscribed" Viber refuses our messages until the user writes again);
     - conversation_started (the user opened the chat, wrote nothing): no ticket;
       answered with options["welcome"] (a text, or {language: text}) if set;
     - webhook (Viber checking the URL during set_webhook), delivered, seen, failed:
       answered 200, nothing stored.
Out: POST <base>/pa/send_message with `X-Viber-Auth-Token`; Viber answers HTTP 200
     with {"status": 0} or an error status in the body. Files go as "picture" (JPEG up
     to 1 MB) or "file" messages, which Viber downloads from a URL: we hand it a
     signed, expiring link to this connector's webhook address (a GET there serves
     the one attachment the signature names; see `file_link`).
"""

import json
import logging

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from okno.channels.messengers import http
from okno.channels.messengers.conversations import (
    conversation_set_blocked,
)
from okno.channels.messengers.helpers import (
    check_hmac,
    download,
    filename_for,
    location_text,
    outbound_files,
    send_parts,
)
from okno.channels.messengers.types import Adapter, InboundMedia, InboundMessage, register
from okno.channels.outbound import DeliveryError
from okno.contacts.models import IdentityKind

log = logging.getLogger("okno.channels.messengers")

DEFAULT_BASE = "https://chatapi.viber.com"
TEXT_LIMIT = 7000
PICTURE_LIMIT = 1024 * 1024  # bytes; a larger or non-JPEG image goes as a file
SENDER_NAME_LIMIT = 28
FILE_LINK_SALT = "okno.viber.file"
FILE_LINK_AGE = 2 * 24 * 3600  # seconds: longer than every retry of a delivery
STORED_EVENTS = {"message", "subscribed", "unsubscribed"}
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
# Statuses in the body of Viber's answers (https://developers.viber.com/docs/api/rest-bot-api/#error-codes)
NOT_SUBSCRIBED = {6}
RATE_LIMITED = {12}
MEDIA_TYPES = {
    "picture": ("picture", "image/jpeg"),
    "video": ("video", "video/mp4"),
    "file": ("file", "application/octet-stream"),
}


def base(connector) -> str:
    return (connector.base_url or DEFAULT_BASE).rstrip("/")


def api(connector, method: str, payload: dict) -> dict:
    """One bot API call; a status other than 0 becomes a DeliveryError."""
    answer = http.call(
        "POST",
        f"{base(connector)}/pa/{method}",
        json_body=payload,
        headers={"X-Viber-Auth-Token": connector.token},
    )
    if not answer.ok:
        raise http.fail(answer)
    data = answer.json()
    status = data.get("status")
    if status == 0:
        return data
    text = f"{status}: {data.get('status_message') or ''}"
    if status in NOT_SUBSCRIBED:
        raise DeliveryError(
            _("The customer has unsubscribed from the Viber bot (%(text)s).") % {"text": text},
            blocked=True,
        )
    if status in RATE_LIMITED:
        raise DeliveryError(
            _("Viber asks us to slow down (%(text)s).") % {"text": text},
            retry_after=answer.retry_after() or 60,
        )
    raise DeliveryError(_("Viber refused the message (%(text)s).") % {"text": text}, permanent=True)


def webhook_url(connector) -> str:
    path = reverse("hooks:webhook", kwargs={"kind": "viber", "key": connector.key})
    return settings.BASE_URL.rstrip("/") + path


def file_link(connector, attachment) -> str:
    """A link Viber can fetch one attachment from, for FILE_LINK_AGE."""
    token = signing.dumps({"a": attachment.pk, "c": connector.pk}, salt=FILE_LINK_SALT)
    return f"{webhook_url(connector)}?file={token}"


def _sender(connector) -> dict:
    name = (connector.options or {}).get("sender_name") or connector.name
    return {"name": name[:SENDER_NAME_LIMIT]}


def _welcome(connector, language: str) -> str:
    welcome = (connector.options or {}).get("welcome") or ""
    if isinstance(welcome, dict):
        language = (language or "").split("-")[0].lower()
        return str(welcome.get(language) or welcome.get("en") or next(iter(welcome.values()), ""))
    return str(welcome)


class ViberAdapter(Adapter):
    kind = "viber"

    def verify(self, connector, request):
        check_hmac(
            connector.token, request.body, request.headers.get("X-Viber-Content-Signature", "")
        )

    def handshake(self, connector, request):
        """Viber never GETs the webhook; a GET with a signed ?file= serves the file
        an outbound picture or file message links to."""
        from okno.tickets.models import Attachment

        token = request.GET.get("file") or ""
        try:
            link = signing.loads(token, salt=FILE_LINK_SALT, max_age=FILE_LINK_AGE)
        except signing.BadSignature:
            raise Http404 from None
        if link.get("c") != connector.pk:
            raise Http404
        attachment = Attachment.objects.filter(pk=link.get("a")).first()
        if attachment is None:
            raise Http404
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response

    def respond(self, connector, request):
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # split says why
        event = data.get("event") if isinstance(data, dict) else None
        if event == "conversation_started":
            user = data.get("user") or {}
            text = _welcome(connector, user.get("language") or "")
            if not text:
                return HttpResponse(status=200)
            # Viber shows a message in the answer to this event as the bot's welcome.
            return JsonResponse(
                {"sender": _sender(connector), "type": "text", "text": text[:TEXT_LIMIT]}
            )
        if event and event not in STORED_EVENTS:
            return HttpResponse("ok", content_type="text/plain")  # webhook, delivered, seen...
        return None

    def split(self, connector, body):
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("event") not in STORED_EVENTS:
            raise ValueError("expected a Viber event")
        token = data.get("message_token")
        if token in (None, ""):
            raise ValueError("an event without a 'message_token'")
        key = str(token) if data["event"] == "message" else f"{data['event']}:{token}"
        return [(key, body)]

    def parse(self, connector, item):
        data = json.loads(item)
        event = data.get("event")
        if event in ("subscribed", "unsubscribed"):
            user_id = (data.get("user") or {}).get("id") or data.get("user_id")
            if user_id:
                conversation_set_blocked(
                    connector=connector, chat_id=user_id, blocked=event == "unsubscribed"
                )
            return None
        sender = data.get("sender") or {}
        message = data.get("message") or {}
        if not sender.get("id"):
            raise ValueError("a message without a sender id")
        kind = message.get("type") or ""
        text, media = message.get("text") or "", []
        if kind in MEDIA_TYPES and message.get("media"):
            name, content_type = MEDIA_TYPES[kind]
            media.append(
                InboundMedia(
                    filename=filename_for(name, content_type, message.get("file_name") or ""),
                    content_type=content_type,
                    ref=str(message["media"]),
                )
            )
        elif kind == "sticker":
            if message.get("media"):
                media.append(
                    InboundMedia(
                        filename="sticker.png", content_type="image/png", ref=str(message["media"])
                    )
                )
            else:
                text = _("[Sticker]")
        elif kind == "contact":
            card = message.get("contact") or {}
            parts = [card.get("name") or "", card.get("phone_number") or ""]
            text = _("Contact: %(card)s") % {"card": ", ".join(p for p in parts if p)}
        elif kind == "location":
            place = message.get("location") or {}
            text = location_text(place.get("lat"), place.get("lon"), place.get("address") or "")
        elif kind == "url":
            text = str(message.get("media") or text)
        elif kind != "text":
            text = text or _("[A Viber message of a kind Okno cannot show: %(kind)s]") % {
                "kind": kind or "?"
            }
        return InboundMessage(
            chat_id=str(sender["id"]),
            identity_kind=IdentityKind.VIBER,
            identity_value=str(sender["id"]),
            external_id=str(data["message_token"]),
            name=sender.get("name") or "",
            text=text,
            media=media,
            language=(sender.get("language") or "").split("-")[0][:8],
        )

    def fetch_media(self, connector, media):
        return download(media, media.ref)

    def send(self, delivery, message, conversation):
        connector = conversation.connector
        common = {
            "receiver": conversation.external_id,
            "min_api_version": 1,
            "sender": _sender(connector),
            "tracking_data": delivery.mail_id,
        }
        text = (message.body_text if message else "").strip()
        chunks = [text[start : start + TEXT_LIMIT] for start in range(0, len(text), TEXT_LIMIT)]

        def send_one(part) -> str:
            if isinstance(part, str):
                payload = {"type": "text", "text": part}
            elif part.content_type == "image/jpeg" and part.size <= PICTURE_LIMIT:
                payload = {"type": "picture", "text": "", "media": file_link(connector, part)}
            else:
                payload = {
                    "type": "file",
                    "media": file_link(connector, part),
                    "size": part.size,
                    "file_name": part.filename[:255],
                }
            sent = api(connector, "send_message", {**common, **payload})
            return str(sent.get("message_token") or "")

        sent = send_parts(delivery, [*chunks, *outbound_files(message)], send_one)
        return sent[-1] if sent else ""

    def on_connector_saved(self, connector):
        """After a save: point the bot at our webhook when Okno's address is https
        (Viber calls only https URLs; it checks ours with a "webhook" event)."""
        if connector.active and connector.token and settings.BASE_URL.startswith("https://"):
            api(
                connector,
                "set_webhook",
                {
                    "url": webhook_url(connector),
                    "event_types": EVENT_TYPES,
                    "send_name": True,
                    "send_photo": False,
                },
            )


ADAPTER = register(ViberAdapter())
