"""VK community messages (Callback API in, the VK API out).

In:  POST /hooks/vk/<key>/ with a JSON body {"type", "object", "group_id",
     "event_id", "secret", "v"}. VK does not sign its requests: it proves them by
     putting the secret key set in the community's Callback API settings into every
     body. So `verify` has to parse the body, but reads nothing from it except that
     one field, compared in constant time with connector.secret; any other request
     gets 403 and nothing is stored (a body that is not JSON cannot carry the
     secret, so it is refused the same way).
     - confirmation: answered with options["confirmation_code"] as text/plain;
     - message_new: stored, keyed by event_id (group_id + message id when absent),
       becomes a ticket message: text, photos, documents, voice messages and
       stickers downloaded from their URLs, a shared location as text;
     - message_deny / message_allow: stored; the user forbade / allowed messages
       from the community: the chat is blocked / unblocked;
     - anything else: "ok", nothing stored. VK wants "ok" to every event.
Out: <base>/method/messages.send with access_token (connector.token), v=5.199,
     peer_id and random_id. random_id is what makes a retry safe: VK drops a second
     message with a random_id it has seen. It is derived from the delivery id
     (delivery id × 8 + part: a long reply goes in up to 8 parts of 4,096
     characters, and random ids must stay unique across the community's history).
     Files are uploaded first (photos.getMessagesUploadServer / saveMessagesPhoto,
     docs.getMessagesUploadServer / docs.save) and attached by their ids.
"""

import hmac
import json
import logging
import mimetypes
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.translation import gettext as _

from okno.channels.messengers import http
from okno.channels.messengers.conversations import (
    conversation_set_blocked,
)
from okno.channels.messengers.helpers import (
    download,
    filename_for,
    location_text,
    outbound_files,
)
from okno.channels.messengers.types import (
    Adapter,
    InboundMedia,
    InboundMessage,
    Rejected,
    register,
)
from okno.channels.outbound import DeliveryError
from okno.contacts.models import IdentityKind

log = logging.getLogger("okno.channels.messengers")

DEFAULT_BASE = "https://api.vk.com"
VERSION = "5.199"
TEXT_LIMIT = 4096
ATTACHMENTS_LIMIT = 10  # per message
PARTS = 8  # messages one reply may take; random_id = delivery id * PARTS + part
STORED_TYPES = {"message_new", "message_deny", "message_allow"}
# https://dev.vk.com/ru/reference/errors: too many requests per second, flood
# control, the daily limit; the seconds to wait before the next try.
RATE_LIMITS = {6: 5, 9: 60, 29: 3600}
TEMPORARY = {1, 10}  # unknown error, internal server error
BLOCKED = {900, 901, 902}  # blacklisted, no permission to write, privacy settings
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif"}


def base(connector) -> str:
    return (connector.base_url or DEFAULT_BASE).rstrip("/")


def api(connector, method: str, **params):
    """One VK API method; its "response", or a DeliveryError for its "error"."""
    body = urlencode({**params, "access_token": connector.token, "v": VERSION}).encode()
    answer = http.call(
        "POST",
        f"{base(connector)}/method/{method}",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if not answer.ok:
        raise http.fail(answer)
    data = answer.json()
    error = data.get("error")
    if isinstance(error, dict):
        raise _failure(error)
    return data.get("response")


def _failure(error: dict) -> DeliveryError:
    code = error.get("error_code")
    text = f"{code}: {error.get('error_msg') or ''}"
    if code in RATE_LIMITS:
        return DeliveryError(
            _("VK asks us to slow down (%(text)s).") % {"text": text},
            retry_after=RATE_LIMITS[code],
        )
    if code in BLOCKED:
        return DeliveryError(
            _("VK does not let the community write to this customer (%(text)s).") % {"text": text},
            blocked=True,
        )
    if code in TEMPORARY:
        return DeliveryError(_("VK could not take the message (%(text)s).") % {"text": text})
    return DeliveryError(_("VK refused the message (%(text)s).") % {"text": text}, permanent=True)


def _upload(connector, url: str, field: str, attachment) -> dict:
    with attachment.file.open("rb") as handle:
        data = handle.read()
    answer = http.call(
        "POST", url, fields={field: (attachment.filename, data, attachment.content_type)}
    )
    if not answer.ok:
        raise http.fail(answer)
    result = answer.json()
    if isinstance(result.get("error"), dict):
        raise _failure(result["error"])
    return result


def upload(connector, peer_id: str, attachment) -> str:
    """An attachment of ours as a VK attachment id ("photo-1_2_key", "doc-1_3")."""
    if attachment.content_type in PHOTO_TYPES:
        server = api(connector, "photos.getMessagesUploadServer", peer_id=peer_id)
        sent = _upload(connector, server["upload_url"], "photo", attachment)
        if not sent.get("photo") or sent.get("photo") == "[]":
            raise DeliveryError(_("VK did not take the photo %(name)s.") % {"name": attachment})
        saved = api(
            connector,
            "photos.saveMessagesPhoto",
            server=sent.get("server"),
            photo=sent["photo"],
            hash=sent.get("hash"),
        )
        if not isinstance(saved, list) or not saved:
            raise DeliveryError(_("VK did not take the photo %(name)s.") % {"name": attachment})
        photo = saved[0]
        key = f"_{photo['access_key']}" if photo.get("access_key") else ""
        return f"photo{photo['owner_id']}_{photo['id']}{key}"
    server = api(connector, "docs.getMessagesUploadServer", type="doc", peer_id=peer_id)
    sent = _upload(connector, server["upload_url"], "file", attachment)
    if not sent.get("file"):
        raise DeliveryError(_("VK did not take the file %(name)s.") % {"name": attachment})
    saved = api(connector, "docs.save", file=sent["file"], title=attachment.filename)
    doc = saved.get(saved.get("type") or "doc") or {}
    return f"doc{doc['owner_id']}_{doc['id']}"


def parts(text: str, attachments: list[str]) -> list[tuple[str, list[str]]]:
    """A reply as messages: (text up to 4,096 characters, up to 10 attachments)."""
    texts = [text[i : i + TEXT_LIMIT] for i in range(0, len(text), TEXT_LIMIT)]
    groups = [
        attachments[i : i + ATTACHMENTS_LIMIT]
        for i in range(0, len(attachments), ATTACHMENTS_LIMIT)
    ]
    count = max(len(texts), len(groups), 1)
    if count > PARTS:
        raise DeliveryError(_("The reply is too long for VK."), permanent=True)
    return [
        (texts[i] if i < len(texts) else "", groups[i] if i < len(groups) else [])
        for i in range(count)
    ]


def _largest(images, url_key="url") -> str:
    best = max(
        (i for i in images or [] if isinstance(i, dict) and i.get(url_key)),
        key=lambda i: (i.get("width") or 0) * (i.get("height") or 0),
        default=None,
    )
    return str(best[url_key]) if best else ""


def _media(attachment: dict) -> InboundMedia | str | None:
    """A VK attachment as a file to download, a line of text, or None."""
    kind = attachment.get("type")
    item = attachment.get(kind) or {}
    if kind == "photo":
        url = _largest(item.get("sizes"))
        return InboundMedia("photo.jpg", "image/jpeg", ref=url) if url else None
    if kind == "doc" and item.get("url"):
        title = str(item.get("title") or "document")
        extension = str(item.get("ext") or "")
        if extension and not title.lower().endswith("." + extension.lower()):
            title = f"{title}.{extension}"
        content_type = mimetypes.guess_type(title)[0] or "application/octet-stream"
        return InboundMedia(
            filename_for("document", content_type, title), content_type, ref=item["url"]
        )
    if kind == "audio_message":
        if item.get("link_ogg"):
            return InboundMedia("voice.ogg", "audio/ogg", ref=item["link_ogg"])
        if item.get("link_mp3"):
            return InboundMedia("voice.mp3", "audio/mpeg", ref=item["link_mp3"])
        return None
    if kind == "sticker":
        url = _largest(item.get("images"))
        return InboundMedia("sticker.png", "image/png", ref=url) if url else _("[Sticker]")
    if kind == "link" and item.get("url"):
        return str(item["url"])
    return _("[A VK attachment Okno cannot show: %(kind)s]") % {"kind": kind or "?"}


class VkAdapter(Adapter):
    kind = "vk"

    def verify(self, connector, request):
        # VK's scheme (see the module docstring): the shared secret travels in the
        # body; only that field is read before the check.
        try:
            secret = json.loads(request.body).get("secret")
        except (ValueError, AttributeError):
            secret = None
        if not isinstance(secret, str) or not secret:
            raise Rejected(403, "missing secret")
        if not connector.secret or not hmac.compare_digest(
            secret.encode(), connector.secret.encode()
        ):
            raise Rejected(403, "bad secret")

    def respond(self, connector, request):
        data = json.loads(request.body)
        kind = data.get("type")
        if kind == "confirmation":
            code = str((connector.options or {}).get("confirmation_code") or "")
            return HttpResponse(code, content_type="text/plain")
        if kind not in STORED_TYPES:
            return HttpResponse("ok", content_type="text/plain")
        return None

    def split(self, connector, body):
        data = json.loads(body)
        key = data.get("event_id")
        if not key:
            message = _message(data)
            if not message.get("id") and not message.get("conversation_message_id"):
                raise ValueError("an event without 'event_id' or a message id")
            peer = message.get("peer_id") or message.get("from_id") or ""
            number = message.get("id") or f"{peer}:{message['conversation_message_id']}"
            key = f"{data.get('group_id')}:{number}"
        return [(str(key), body)]

    def parse(self, connector, item):
        data = json.loads(item)
        kind = data.get("type")
        if kind in ("message_deny", "message_allow"):
            user_id = (data.get("object") or {}).get("user_id")
            if user_id:
                conversation_set_blocked(
                    connector=connector, chat_id=user_id, blocked=kind == "message_deny"
                )
            return None
        message = _message(data)
        from_id = message.get("from_id")
        if not from_id or message.get("out"):
            return None  # our own message echoed back, or a message from nobody
        lines = [message.get("text") or ""]
        media = []
        for attachment in message.get("attachments") or []:
            found = _media(attachment) if isinstance(attachment, dict) else None
            if isinstance(found, InboundMedia):
                media.append(found)
            elif found:
                lines.append(found)
        coordinates = (message.get("geo") or {}).get("coordinates") or {}
        if coordinates:
            place = ((message.get("geo") or {}).get("place") or {}).get("title") or ""
            lines.append(
                location_text(coordinates.get("latitude"), coordinates.get("longitude"), place)
            )
        number = message.get("id") or message.get("conversation_message_id")
        return InboundMessage(
            chat_id=str(message.get("peer_id") or from_id),
            identity_kind=IdentityKind.VK,
            identity_value=str(from_id),
            external_id=f"{message.get('peer_id') or from_id}:{number}",
            name=_user_name(connector, from_id),
            text="\n".join(line for line in lines if line),
            media=media,
        )

    def fetch_media(self, connector, media):
        return download(media, media.ref)

    def send(self, delivery, message, conversation):
        connector = conversation.connector
        peer_id = conversation.external_id
        text = (message.body_text if message else "").strip()
        attachments = [upload(connector, peer_id, a) for a in outbound_files(message)]
        sent = ""
        for index, (chunk, group) in enumerate(parts(text, attachments)):
            params = {"peer_id": peer_id, "random_id": delivery.pk * PARTS + index}
            if chunk:
                params["message"] = chunk
            if group:
                params["attachment"] = ",".join(group)
            response = api(connector, "messages.send", **params)
            sent = str(response.get("message_id") if isinstance(response, dict) else response)
        return sent


def _message(data: dict) -> dict:
    """The message of a message_new event (API 5.103+ wraps it in object.message)."""
    found = data.get("object") or {}
    return found.get("message") if isinstance(found.get("message"), dict) else found


def _user_name(connector, user_id) -> str:
    """The customer's name from users.get, once: a contact already named needs none.
    A failure leaves the name empty (the message matters more)."""
    from okno.contacts.models import Identity

    named = Identity.objects.filter(kind=IdentityKind.VK, value=str(user_id)).exclude(
        contact__name=""
    )
    if not connector.token or not str(user_id).isdigit() or named.exists():
        return ""
    try:
        users = api(connector, "users.get", user_ids=user_id)
    except DeliveryError as exc:
        log.info("vk users.get for %s failed: %s", user_id, exc)
        return ""
    user = users[0] if isinstance(users, list) and users else {}
    return " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)


ADAPTER = register(VkAdapter())
