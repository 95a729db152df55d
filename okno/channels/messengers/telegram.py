"""The Telegram bot channel, over the Bot API (https://core.telegram.org/bots/api).

Calls go to <base>/bot<token>/<method> and files come from
<base>/file/bot<token>/<file_path>, where base is the connector's `base_url` or the
public https://api.telegram.org.

Updates come in one of two ways, in the same format:
- long polling, the default: telegram_poll.py calls getUpdates from the worker
  process and stores every update raw before it moves the connector's poll_offset;
- a webhook, when settings.BASE_URL is public (https): Telegram POSTs each update to
  /hooks/telegram/<key>/ with the header X-Telegram-Bot-Api-Secret-Token, which must
  equal the connector's secret. Saving an active connector sets the webhook
  (`on_connector_saved`), and the worker's supervisor keeps it set; switching the
  connector off deletes it.
A connector's `options["mode"]` ("polling" / "webhook") overrides the choice.
Either way the idempotency key is the update_id: an update that comes again (a
webhook retry, a poll repeated after a crash before the offset moved) is dropped.

What a message becomes:
- text, and the caption of media: the message text;
- photos (the largest size), documents, voice, audio, video, video notes and GIFs:
  attachments, downloaded with getFile when the message is processed; a file over the
  Bot API's 20 MB download limit is named in the text instead;
- a sticker: the text "[sticker 😀]", plus the picture itself when it is a still one;
- a shared contact: its card as text; when it is the sender's own (the "share my
  phone number" button), the phone joins the contact, or makes a merge suggestion
  when another contact has that number;
- a location or venue: text with the coordinates and a map link;
- an edited message: added as a new message marked as edited. The agent may already
  have read (and answered) the first version, so the history keeps both;
- service messages (members joining, pins), channel posts and other bots: ignored;
- a group that became a supergroup (`migrate_to_chat_id` in the old chat,
  `migrate_from_chat_id` in the new one): the conversation moves to the new chat id.

Replies go out with sendMessage (text over 4096 characters is split, at paragraph or
line breaks where possible), then one sendPhoto / sendDocument per attachment. The
parts already sent are recorded on the delivery (helpers.send_parts), so a retry
after a failure half-way does not send them twice. Errors: 429 waits `parameters.retry_after`, 403 (the user
blocked the bot, deleted the account, ...) marks the chat blocked, other 4xx (chat not
found) fail at once, 5xx and network trouble are retried. A reply to a group that
became a supergroup (400 with `parameters.migrate_to_chat_id`) moves the conversation
and goes to the new chat at once.
"""

import datetime as dt
import hmac
import ipaddress
import json
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from okno.channels.messengers import http
from okno.channels.messengers.conversations import conversation_moved
from okno.channels.messengers.helpers import send_parts
from okno.channels.messengers.types import (
    Adapter,
    InboundMedia,
    InboundMessage,
    Rejected,
    register,
)
from okno.channels.outbound import DeliveryError
from okno.contacts.models import IdentityKind

PUBLIC_API = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ["message", "edited_message"]
TEXT_LIMIT = 4096  # sendMessage, in UTF-16 code units as Telegram counts
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses larger files
PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto; larger pictures go as documents
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_BODY = 1024 * 1024  # one update; Telegram's are a few kilobytes

# Media kinds of a Message: (field, file name pattern, default content type).
MEDIA_FIELDS = (
    ("document", "document", "application/octet-stream"),
    ("animation", "animation_{id}.mp4", "video/mp4"),
    ("voice", "voice_{id}.ogg", "audio/ogg"),
    ("audio", "audio_{id}.mp3", "audio/mpeg"),
    ("video", "video_{id}.mp4", "video/mp4"),
    ("video_note", "video_note_{id}.mp4", "video/mp4"),
)


# --- the API ----------------------------------------------------------------------


def api_base(connector) -> str:
    return (connector.base_url or PUBLIC_API).rstrip("/")


def _scrubbed(connector, error: DeliveryError) -> DeliveryError:
    """The same error without the bot token (urllib3 puts the URL in its messages)."""
    text = error.message.replace(connector.token, "***") if connector.token else error.message
    return DeliveryError(
        text, permanent=error.permanent, retry_after=error.retry_after, blocked=error.blocked
    )


def api_call(
    connector,
    method: str,
    payload: dict | None = None,
    *,
    fields: dict | None = None,
    read_timeout: float | None = None,
) -> http.Answer:
    """POST one Bot API method (JSON, or multipart `fields` for uploads)."""
    if not connector.token:
        raise DeliveryError(_("The Telegram bot has no token."), permanent=True)
    url = f"{api_base(connector)}/bot{connector.token}/{method}"
    timeout = None
    if read_timeout is not None:
        timeout = urllib3.Timeout(connect=5.0, read=read_timeout)
    try:
        return http.call(
            "POST",
            url,
            json_body=(payload or {}) if fields is None else None,
            fields=fields,
            timeout=timeout,
        )
    except DeliveryError as exc:
        raise _scrubbed(connector, exc) from None


def api_error(answer: http.Answer) -> DeliveryError:
    """A refused call as a DeliveryError (see the module docstring)."""
    data = answer.json()
    description = str(data.get("description") or "")[:300]
    parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    if answer.status == 429:
        wait = parameters.get("retry_after")
        wait = wait if isinstance(wait, int | float) and wait > 0 else answer.retry_after()
        return DeliveryError(
            _("Telegram asks to wait %(seconds)s seconds: %(text)s")
            % {"seconds": wait or 30, "text": description},
            retry_after=float(wait or 30),
        )
    error = http.fail(answer, description)
    moved = parameters.get("migrate_to_chat_id")
    if isinstance(moved, int):  # the group became a supergroup: the caller may follow
        error.migrate_to_chat_id = moved
    if answer.status == 403:  # blocked by the user, account deleted, kicked from a group
        return DeliveryError(error.message, blocked=True)
    return error


def api_result(connector, method: str, payload: dict | None = None, **kwargs):
    answer = api_call(connector, method, payload, **kwargs)
    data = answer.json()
    if not answer.ok or not data.get("ok"):
        raise api_error(answer)
    return data.get("result")


def get_updates(connector, *, offset: int, timeout: int) -> list[dict]:
    """One long poll: the updates from `offset` on, waiting up to `timeout` seconds."""
    result = api_result(
        connector,
        "getUpdates",
        {"offset": offset, "timeout": timeout, "allowed_updates": ALLOWED_UPDATES},
        read_timeout=timeout + 15,
    )
    return [u for u in result or [] if isinstance(u, dict)]


# --- webhook or polling -----------------------------------------------------------


def is_public(url: str) -> bool:
    """An https address the internet can reach (not localhost or a private network)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host == "localhost" or host.endswith(".local"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name
    return address.is_global


def webhook_mode(connector) -> bool:
    mode = (connector.options or {}).get("mode")
    if mode in ("polling", "webhook"):
        return mode == "webhook"
    return is_public(settings.BASE_URL)


def webhook_url(connector) -> str:
    path = reverse("hooks:webhook", kwargs={"kind": "telegram", "key": connector.key})
    return settings.BASE_URL.rstrip("/") + path


def set_webhook(connector) -> None:
    api_result(
        connector,
        "setWebhook",
        {
            "url": webhook_url(connector),
            "secret_token": connector.secret,
            "allowed_updates": ALLOWED_UPDATES,
        },
    )


def delete_webhook(connector) -> None:
    """Polling and a webhook exclude each other: getUpdates answers 409 while one is set."""
    api_result(connector, "deleteWebhook", {"drop_pending_updates": False})


# --- inbound ----------------------------------------------------------------------


def _name(user: dict) -> str:
    name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    return (name or str(user.get("username") or ""))[:200]


def _language(code) -> str:
    code = str(code or "").lower()[:2]
    return code if code in {lang for lang, _name in settings.LANGUAGES} else ""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _media(item: dict, filename: str, content_type: str, notes: list[str]) -> InboundMedia | None:
    if not isinstance(item, dict) or not item.get("file_id"):
        return None
    size = item.get("file_size") or 0
    if isinstance(size, int) and size > DOWNLOAD_LIMIT:
        notes.append(
            _("[%(name)s, %(size)s MB: too large to download through the Telegram Bot API]")
            % {"name": filename, "size": _megabytes(size)}
        )
        return None
    return InboundMedia(
        filename=filename[:200],
        content_type=str(item.get("mime_type") or content_type)[:120],
        ref=str(item["file_id"]),
    )


def _largest_photo(sizes) -> dict | None:
    sizes = [s for s in sizes or [] if isinstance(s, dict)]
    if not sizes:
        return None
    return max(sizes, key=lambda s: (s.get("width", 0) * s.get("height", 0), s.get("file_size", 0)))


def _file_name(item: dict, pattern: str) -> str:
    return str(item.get("file_name") or pattern.format(id=item.get("file_unique_id") or "file"))


def _phone(value) -> str:
    value = "".join(ch for ch in str(value or "") if ch.isdigit() or ch == "+")
    return value if value.startswith("+") or not value else "+" + value


def _contents(message: dict, sender_id) -> tuple[list[str], list[InboundMedia], list]:
    """The text parts, media and proven identities of one Telegram Message."""
    texts: list[str] = []
    media: list[InboundMedia] = []
    extra: list[tuple[str, str]] = []
    text = message.get("text") or message.get("caption")
    if isinstance(text, str) and text.strip():
        texts.append(text)
    photo = _largest_photo(message.get("photo"))
    if photo:
        name = f"photo_{photo.get('file_unique_id') or 'file'}.jpg"
        media.append(_media(photo, name, "image/jpeg", texts))
    for field, pattern, content_type in MEDIA_FIELDS:
        item = message.get(field)
        if not isinstance(item, dict) or (field == "animation" and message.get("document")):
            continue  # a GIF comes as both "animation" and "document"
        media.append(_media(item, _file_name(item, pattern), content_type, texts))
    sticker = message.get("sticker")
    if isinstance(sticker, dict):
        texts.append(_("[sticker %(emoji)s]") % {"emoji": sticker.get("emoji") or ""})
        if not sticker.get("is_animated") and not sticker.get("is_video"):
            name = f"sticker_{sticker.get('file_unique_id') or 'file'}.webp"
            media.append(_media(sticker, name, "image/webp", texts))
    contact = message.get("contact")
    if isinstance(contact, dict) and contact.get("phone_number"):
        phone = _phone(contact["phone_number"])
        texts.append(_("[contact %(name)s, %(phone)s]") % {"name": _name(contact), "phone": phone})
        if contact.get("user_id") == sender_id:  # the sender's own number
            extra.append((IdentityKind.PHONE, phone))
    venue = message.get("venue") if isinstance(message.get("venue"), dict) else {}
    location = venue.get("location") or message.get("location")
    if isinstance(location, dict) and "latitude" in location and "longitude" in location:
        lat, lon = location["latitude"], location["longitude"]
        place = ", ".join(str(venue[k]) for k in ("title", "address") if venue.get(k))
        texts.append(
            _("[location %(place)s%(latitude)s, %(longitude)s]")
            % {"place": f"{place}: " if place else "", "latitude": lat, "longitude": lon}
            + f" https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        )
    return texts, [m for m in media if m is not None], extra


class TelegramAdapter(Adapter):
    kind = "telegram"

    def verify(self, connector, request):
        given = request.headers.get(SECRET_HEADER)
        if not given:
            raise Rejected(401, "missing secret token")
        if not hmac.compare_digest(given.encode(), connector.secret.encode()):
            raise Rejected(403, "wrong secret token")

    def split(self, connector, body):
        if len(body) > MAX_BODY:
            raise ValueError("the update is too large")
        update = json.loads(body)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise ValueError("expected an Update with an integer 'update_id'")
        return [(str(update["update_id"]), body)]

    def parse(self, connector, item):
        update = json.loads(item)
        edited = "message" not in update and "edited_message" in update
        message = update.get("edited_message" if edited else "message")
        if not isinstance(message, dict):
            return None  # another kind of update
        sender = message.get("from")
        chat = message.get("chat")
        if isinstance(chat, dict) and _migrated(connector, message, chat.get("id")):
            return None  # a service message: the conversation followed the chat
        if not isinstance(sender, dict) or not isinstance(chat, dict) or sender.get("is_bot"):
            return None  # a channel post, a bot
        texts, media, extra = _contents(message, sender.get("id"))
        if not texts and not media:
            return None  # a service message: someone joined, a pin, a new title ...
        text = "\n\n".join(texts)
        external_id = str(message.get("message_id", ""))
        if edited:
            text = _("(edited) %(text)s") % {"text": text}
            external_id = f"{external_id}:edited:{message.get('edit_date', '')}"
        sent = message.get("edit_date" if edited else "date")
        return InboundMessage(
            chat_id=str(chat["id"]),
            identity_kind=IdentityKind.TELEGRAM,
            identity_value=str(sender["id"]),
            external_id=external_id,
            name=_name(sender),
            text=text,
            media=media,
            sent_at=dt.datetime.fromtimestamp(sent, dt.UTC) if isinstance(sent, int) else None,
            extra_identities=extra,
            language=_language(sender.get("language_code")),
        )

    def _send_part(self, delivery, connector, chat_id: str, kind, part) -> tuple[str, dict]:
        """(chat id, result): a group that became a supergroup is followed once, and
        the delivery (saved whole by the outbound service) goes there from now on."""
        try:
            return chat_id, _send_one(connector, chat_id, kind, part)
        except DeliveryError as exc:
            moved = getattr(exc, "migrate_to_chat_id", None)
            if moved is None or str(moved) == chat_id:
                raise
        conversation_moved(connector=connector, old_chat_id=chat_id, new_chat_id=moved)
        delivery.to = [str(moved)]
        return str(moved), _send_one(connector, str(moved), kind, part)

    def fetch_media(self, connector, media):
        result = api_result(connector, "getFile", {"file_id": media.ref})
        path = (result or {}).get("file_path")
        if not path:
            raise RuntimeError(f"Telegram gave no file path for {media.filename}")
        url = f"{api_base(connector)}/file/bot{connector.token}/{path}"
        try:
            answer = http.call("GET", url)
        except DeliveryError as exc:
            raise RuntimeError(_scrubbed(connector, exc).message) from None
        if not answer.ok:
            raise RuntimeError(f"Telegram answered {answer.status} for {media.filename}")
        media.data = answer.body
        return media

    def on_connector_saved(self, connector):
        """Called by the connector services after a save: in webhook mode, point the
        bot at us now; once switched off, take the webhook away, so Telegram stops
        calling an address that takes nothing (in any mode: the mode may have changed
        since it was set). A refusal raises; the save stands and the admin page shows
        it (services._after_save)."""
        if not connector.token:
            return
        if connector.active and webhook_mode(connector):
            set_webhook(connector)
        elif not connector.active:
            try:
                delete_webhook(connector)
            except DeliveryError as exc:
                raise DeliveryError(
                    _("The webhook could not be removed at Telegram: %(error)s")
                    % {"error": exc.message}
                ) from None

    # --- outbound -----------------------------------------------------------------

    def send(self, delivery, message, conversation):
        connector = conversation.connector
        chat_id = conversation.external_id
        parts: list = [
            ("text", chunk) for chunk in split_text(message.body_text if message else "")
        ]
        if message is not None:
            parts += [("file", attachment) for attachment in message.attachments.order_by("id")]

        def send_one(item) -> str:
            nonlocal chat_id
            chat_id, result = self._send_part(delivery, connector, chat_id, *item)
            return str((result or {}).get("message_id") or "")

        sent = send_parts(delivery, parts, send_one)
        return next((i for i in sent if i), "")


def _migrated(connector, message: dict, chat_id) -> bool:
    """Whether the message says its group became a supergroup (then followed)."""
    to, source = message.get("migrate_to_chat_id"), message.get("migrate_from_chat_id")
    if isinstance(to, int) and isinstance(chat_id, int):
        conversation_moved(connector=connector, old_chat_id=chat_id, new_chat_id=to)
    elif isinstance(source, int) and isinstance(chat_id, int):
        conversation_moved(connector=connector, old_chat_id=source, new_chat_id=chat_id)
    else:
        return False
    return True


def _send_one(connector, chat_id: str, kind: str, part) -> dict:
    if kind == "text":
        return api_result(connector, "sendMessage", {"chat_id": chat_id, "text": part})
    return _send_file(connector, chat_id, part)


def _send_file(connector, chat_id: str, attachment) -> dict:
    with attachment.file.open("rb") as handle:
        data = handle.read()
    as_photo = attachment.content_type in PHOTO_TYPES and len(data) <= PHOTO_LIMIT
    upload = (attachment.filename, data, attachment.content_type or "application/octet-stream")
    if as_photo:
        answer = api_call(connector, "sendPhoto", fields={"chat_id": chat_id, "photo": upload})
        if answer.ok:
            return answer.json().get("result") or {}
        if answer.status != 400:  # 400: a picture Telegram will not show; send the file
            raise api_error(answer)
    return api_result(connector, "sendDocument", fields={"chat_id": chat_id, "document": upload})


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is often two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Text in pieces Telegram takes, cut at a paragraph, line or word break where one
    falls in the second half of a piece."""
    text = (text or "").strip()
    chunks = []
    while _units(text) > limit:
        cut, used = 0, 0
        for ch in text:
            used += 2 if ord(ch) > 0xFFFF else 1
            if used > limit:
                break
            cut += 1
        for separator in ("\n\n", "\n", " "):
            at = text.rfind(separator, 0, cut)
            if at > cut // 2:
                cut = at
                break
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


ADAPTER = register(TelegramAdapter())
