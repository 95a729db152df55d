"""WhatsApp Business Cloud API.

In:  GET  /hooks/whatsapp/<key>/?hub.mode=subscribe&hub.verify_token=..&hub.challenge=..
     (Meta's subscription check: the challenge comes back when the token is
     options["verify_token"]); POST with `X-Hub-Signature-256: sha256=<HMAC-SHA256 of
     the raw body under the app secret (connector.secret)>`, a body of
     entry[].changes[].value.{contacts, messages, statuses}.
     Each message is stored on its own, keyed by its wamid; each delivery receipt
     (statuses[]) too, keyed by wamid + status.
Out: POST <base>/<phone_number_id>/messages (text; files uploaded first to
     <base>/<phone_number_id>/media and sent by id), with `Authorization: Bearer
     <connector.token>`.

The customer-service window: a business may write freely only within 24 hours of
the customer's last message. Outside it only an approved template may go out, so
a reply then sends the template configured for the customer's language,
options["templates"] = {"ru": "followup_ru", "en": {"name": "followup",
"body_parameter": true}}:
- a name alone is a template without parameters: its fixed text (e.g. "We have
  answered your request, write to us to read it") goes out, the agent's text and
  files do not; the reply is then marked failed with a message that says so, so
  the agent knows to send it again once the customer writes back;
- {"name": ..., "body_parameter": true} is a template whose body has one parameter
  {{1}}: the agent's text goes out in it (newlines folded, as WhatsApp requires);
  the reply counts as sent unless it had files, which cannot go in a template.
With no template for the language (nor an "en" one), the reply fails at once with
"window closed".

Delivery receipts: a "failed" status marks our message failed with WhatsApp's
reason (and a blocked chat as blocked); sent / delivered / read leave it "sent"
(the message has no finer states to show them; the raw receipts are kept).
"""

import datetime as dt
import json
import logging

from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.channels.messengers import http
from okno.channels.messengers.conversations import (
    conversation_set_blocked,
    reply_failed_by_provider,
)
from okno.channels.messengers.helpers import (
    check_hmac,
    download,
    filename_for,
    location_text,
    outbound_files,
    send_parts,
)
from okno.channels.messengers.types import (
    Adapter,
    InboundMedia,
    InboundMessage,
    register,
)
from okno.channels.outbound import DeliveryError
from okno.contacts.models import IdentityKind

log = logging.getLogger("okno.channels.messengers")

DEFAULT_BASE = "https://graph.facebook.com/v21.0"
WINDOW = dt.timedelta(hours=24)
TEXT_LIMIT = 4096  # characters in one text message
PARAMETER_LIMIT = 1024  # characters in one template parameter
MEDIA_KINDS = ("image", "document", "audio", "video", "sticker")
# Cloud API error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
RATE_LIMITS = {4, 80007, 130429, 131048, 131056}
WINDOW_CLOSED = {131047}
BLOCKED = {131026}
# What WhatsApp takes as an image / video / audio message; any other file is a document.
IMAGE_TYPES = {"image/jpeg", "image/png"}
VIDEO_TYPES = {"video/mp4", "video/3gpp"}
AUDIO_TYPES = {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}


def base(connector) -> str:
    return (connector.base_url or DEFAULT_BASE).rstrip("/")


def _auth(connector) -> dict:
    return {"Authorization": f"Bearer {connector.token}"}


def window_closed_message() -> str:
    return _(
        "The WhatsApp 24-hour window is closed: the customer has not written for over "
        "a day, and no message template is set up for this connector."
    )


def _code(answer: http.Answer) -> int | None:
    error = answer.json().get("error")
    if isinstance(error, dict):
        try:
            return int(error.get("code"))
        except (TypeError, ValueError):
            return None
    return None


def _failure(answer: http.Answer) -> DeliveryError:
    """A refused Cloud API call as the error the outbound service acts on."""
    error = answer.json().get("error")
    error = error if isinstance(error, dict) else {}
    code = _code(answer)
    details = (error.get("error_data") or {}).get("details") if error else ""
    text = f"{code}: {details or error.get('message') or ''}" if code else ""
    if answer.status == 429 or code in RATE_LIMITS:
        return DeliveryError(
            _("WhatsApp asks us to slow down (%(text)s).") % {"text": text or answer.status},
            retry_after=answer.retry_after() or 60,
        )
    if code in WINDOW_CLOSED:
        return DeliveryError(
            _(
                "The WhatsApp 24-hour window is closed: the customer has not written "
                "for over a day. Send a template or wait for the customer to write."
            ),
            permanent=True,
        )
    if code in BLOCKED:
        return DeliveryError(
            _("WhatsApp cannot deliver to this customer (blocked or not on WhatsApp)."),
            blocked=True,
        )
    return http.fail(answer, text)


def _send(connector, payload: dict) -> str:
    phone_number_id = connector.options.get("phone_number_id") or ""
    if not phone_number_id:
        raise DeliveryError(_("The WhatsApp phone number id is not set."), permanent=True)
    answer = http.call(
        "POST",
        f"{base(connector)}/{phone_number_id}/messages",
        json_body={"messaging_product": "whatsapp", "recipient_type": "individual", **payload},
        headers=_auth(connector),
    )
    if not answer.ok:
        raise _failure(answer)
    messages = answer.json().get("messages") or [{}]
    return str(messages[0].get("id") or "")


def _upload(connector, attachment) -> str:
    phone_number_id = connector.options.get("phone_number_id") or ""
    with attachment.file.open("rb") as handle:
        data = handle.read()
    answer = http.call(
        "POST",
        f"{base(connector)}/{phone_number_id}/media",
        fields={
            "messaging_product": "whatsapp",
            "type": attachment.content_type,
            "file": (attachment.filename, data, attachment.content_type),
        },
        headers=_auth(connector),
    )
    if not answer.ok:
        raise _failure(answer)
    media_id = answer.json().get("id")
    if not media_id:
        raise DeliveryError(_("WhatsApp did not take the file %(name)s.") % {"name": attachment})
    return str(media_id)


def _media_kind(content_type: str) -> str:
    if content_type in IMAGE_TYPES:
        return "image"
    if content_type in VIDEO_TYPES:
        return "video"
    if content_type in AUDIO_TYPES:
        return "audio"
    return "document"


def _chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    return [text[i : i + limit] for i in range(0, len(text), limit)] if text else []


def template_for(connector, language: str) -> tuple[str, str, bool] | None:
    """(template name, its language code, whether its body takes the agent's text)
    for a language: the exact code, then its base ("pt" for "pt_BR"), then English."""
    templates = connector.options.get("templates") or {}
    if not isinstance(templates, dict) or not templates:
        return None
    wanted = (language or "en").replace("-", "_").lower()
    by_code = {code.lower(): code for code in templates}
    by_base = {code.lower().split("_")[0]: code for code in templates}
    code = (
        by_code.get(wanted)
        or by_base.get(wanted.split("_")[0])
        or by_code.get("en")
        or by_base.get("en")
    )
    if code is None:
        return None
    value = templates[code]
    if isinstance(value, dict):
        return str(value.get("name") or ""), code, bool(value.get("body_parameter"))
    return str(value), code, False


def _flat(text: str) -> str:
    """A template parameter: WhatsApp refuses newlines, tabs and long runs of spaces."""
    flat = " ".join(text.split())
    if len(flat) > PARAMETER_LIMIT:
        flat = flat[: PARAMETER_LIMIT - 1] + "…"
    return flat


class WhatsAppAdapter(Adapter):
    kind = "whatsapp"

    def handshake(self, connector, request):
        """Meta's subscription check when the webhook is set up."""
        token = connector.options.get("verify_token") or ""
        if (
            request.GET.get("hub.mode") == "subscribe"
            and token
            and request.GET.get("hub.verify_token") == token
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        log.warning("whatsapp verify challenge for connector %s refused", connector.pk)
        return HttpResponseForbidden("verify token mismatch", content_type="text/plain")

    def verify(self, connector, request):
        check_hmac(
            connector.secret,
            request.body,
            request.headers.get("X-Hub-Signature-256", ""),
            prefix="sha256=",
        )

    def split(self, connector, body):
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
            raise ValueError("expected an 'entry' list")
        items = []
        for entry in data["entry"]:
            for change in (entry or {}).get("changes") or []:
                value = (change or {}).get("value") or {}
                if not isinstance(value, dict):
                    continue
                names = {
                    c.get("wa_id"): ((c.get("profile") or {}).get("name") or "")
                    for c in value.get("contacts") or []
                    if isinstance(c, dict)
                }
                metadata = value.get("metadata") or {}
                for message in value.get("messages") or []:
                    if not isinstance(message, dict) or not message.get("id"):
                        raise ValueError("a message without an 'id'")
                    item = {
                        "message": message,
                        "name": names.get(message.get("from"), ""),
                        "phone_number_id": metadata.get("phone_number_id", ""),
                    }
                    items.append((str(message["id"]), _bytes(item)))
                for status in value.get("statuses") or []:
                    if not isinstance(status, dict) or not status.get("id"):
                        continue
                    key = f"status:{status['id']}:{status.get('status', '')}"
                    items.append((key, _bytes({"status": status})))
        return items

    def parse(self, connector, item):
        data = json.loads(item)
        if "status" in data:
            self._receipt(connector, data["status"])
            return None
        message = data["message"]
        kind = message.get("type") or ""
        wa_id = str(message.get("from") or "")
        text, media = "", []
        if kind == "text":
            text = (message.get("text") or {}).get("body") or ""
        elif kind in MEDIA_KINDS:
            part = message.get(kind) or {}
            content_type = (part.get("mime_type") or "application/octet-stream").split(";")[0]
            text = part.get("caption") or ""
            media.append(
                InboundMedia(
                    filename=filename_for(kind, content_type, part.get("filename") or ""),
                    content_type=content_type.strip(),
                    ref=str(part.get("id") or ""),
                )
            )
        elif kind == "location":
            place = message.get("location") or {}
            text = location_text(
                place.get("latitude"),
                place.get("longitude"),
                place.get("name"),
                place.get("address"),
            )
        elif kind == "contacts":
            text = "\n".join(_shared_contact(c) for c in message.get("contacts") or [])
        elif kind == "button":
            text = (message.get("button") or {}).get("text") or ""
        elif kind == "interactive":
            reply = message.get("interactive") or {}
            chosen = reply.get("button_reply") or reply.get("list_reply") or {}
            text = chosen.get("title") or ""
        elif kind == "reaction":
            return None  # an emoji on one of our messages: nothing for a ticket
        else:
            text = _("[A WhatsApp message of a kind Okno cannot show: %(kind)s]") % {
                "kind": kind or "?"
            }
        sent_at = None
        if str(message.get("timestamp") or "").isdigit():
            sent_at = dt.datetime.fromtimestamp(int(message["timestamp"]), tz=dt.UTC)
        return InboundMessage(
            chat_id=wa_id,
            identity_kind=IdentityKind.WHATSAPP,
            identity_value=f"+{wa_id}",
            external_id=str(message["id"]),
            name=data.get("name") or "",
            text=text,
            media=media,
            sent_at=sent_at,
        )

    def _receipt(self, connector, status: dict) -> None:
        """A delivery receipt for one of our messages (see the module docstring)."""
        if status.get("status") != "failed":
            return

        errors = [e for e in status.get("errors") or [] if isinstance(e, dict)]
        codes = {e.get("code") for e in errors}
        reason = "; ".join(
            f"{e.get('code')}: {(e.get('error_data') or {}).get('details') or e.get('title') or ''}"
            for e in errors
        )
        error = _("WhatsApp could not deliver the message (%(reason)s).") % {
            "reason": reason or "failed"
        }
        if codes & WINDOW_CLOSED:
            error = window_closed_message()
        reply_failed_by_provider(channel=self.kind, external_id=status["id"], error=error)
        if codes & BLOCKED and status.get("recipient_id"):
            conversation_set_blocked(
                connector=connector, chat_id=status["recipient_id"], blocked=True
            )

    def fetch_media(self, connector, media):
        """Media id -> a short-lived URL -> the bytes, both with our bearer token."""
        answer = http.call("GET", f"{base(connector)}/{media.ref}", headers=_auth(connector))
        if not answer.ok:
            raise http.fail(answer)
        info = answer.json()
        if not info.get("url"):
            raise ValueError(f"no URL for WhatsApp media {media.ref}")
        if info.get("mime_type") and media.content_type == "application/octet-stream":
            media.content_type = str(info["mime_type"]).split(";")[0][:120]
        return download(media, str(info["url"]), headers=_auth(connector))

    def send(self, delivery, message, conversation):
        connector = conversation.connector
        to = conversation.external_id
        text = (message.body_text if message else "").strip()
        files = outbound_files(message)
        last_inbound = conversation.last_inbound_at
        if last_inbound is None or timezone.now() - last_inbound > WINDOW:
            return self._send_template(delivery, connector, to, text, files)

        def send_one(part) -> str:
            if isinstance(part, str):
                return _send(connector, {"to": to, "type": "text", "text": {"body": part}})
            kind = _media_kind(part.content_type)
            media = {"id": _upload(connector, part)}
            if kind == "document":
                media["filename"] = part.filename
            return _send(connector, {"to": to, "type": kind, kind: media})

        # The last part's id: a failed receipt for it marks the reply failed.
        sent = send_parts(delivery, [*_chunks(text), *files], send_one)
        return sent[-1] if sent else ""

    def _send_template(self, delivery, connector, to, text, files) -> str:
        template = template_for(connector, delivery.language)
        if template is None or not template[0]:
            raise DeliveryError(window_closed_message(), permanent=True)
        name, code, body_parameter = template
        payload = {"name": name, "language": {"code": code}}
        if body_parameter:
            value = _flat(text) or ", ".join(a.filename for a in files) or "…"
            payload["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": value}]}
            ]
        sent = _send(connector, {"to": to, "type": "template", "template": payload})
        if files or not body_parameter:
            # The template went out, but not all the agent wrote: say so on the reply.
            if body_parameter:
                error = _(
                    "The WhatsApp 24-hour window is closed, so the template “%(name)s” was "
                    "sent with your text, but the files could not go in it. Send them "
                    "again when the customer writes back."
                )
            else:
                error = _(
                    "The WhatsApp 24-hour window is closed, so the template “%(name)s” was "
                    "sent instead of your message. Send your message again when the "
                    "customer writes back."
                )
            raise DeliveryError(error % {"name": name}, permanent=True)
        return sent


def _shared_contact(card: dict) -> str:
    name = ((card or {}).get("name") or {}).get("formatted_name") or ""
    phones = [p.get("phone") for p in card.get("phones") or [] if p.get("phone")]
    emails = [e.get("email") for e in card.get("emails") or [] if e.get("email")]
    return _("Contact: %(card)s") % {"card": ", ".join([name, *phones, *emails])}


def _bytes(item: dict) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode("utf-8")


ADAPTER = register(WhatsAppAdapter())
