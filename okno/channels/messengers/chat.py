"""The live chat widget on a company's site (connector kind "chat").

The widget (static/chat/widget.js) talks to chat_views.py over HTTP and to
chat_consumers.py over a WebSocket; both hand every visitor message to the shared
pipeline as one JSON item, stored raw first and keyed by the visitor and the
widget's own message id, so a resend after a network hiccup is dropped as a twin.

Visitors: a visitor is a random id inside a token signed with django.core.signing
(salted, bound to the connector), kept in the page's localStorage; the conversation's
external id is the visitor id and the contact's identity is chat "<connector>:<visitor>".

Replies: `send` pushes an agent's reply to the visitor's channel-layer group; the
message row itself is the record the HTTP fallback reads. When the visitor left an
email, the reply is also queued as an ordinary email delivery, due after
options["email_after_minutes"] (default 5; at once for the offline form): the moment
a live socket or a poll shows the reply to the visitor, the pending email is dropped
(`reply_seen`). So an email goes out exactly when nobody saw the reply in the chat.

Online: an agent of the connector's group (any agent when it has none) who is not
marked away and has an agent page open (static/chat/agent.js pings /ws/chat/agent/;
the mark lives AGENT_TTL seconds in the cache).
"""

import base64
import binascii
import datetime as dt
import json
import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from okno.channels.messengers.types import Adapter, InboundMedia, InboundMessage, register
from okno.contacts.models import Contact, IdentityKind
from okno.core.realtime import send_to_group

SALT = "okno.chat.visitor"
FILE_SALT = "okno.chat.file"
# Seconds a file link works. Every message payload signs afresh (a reload, a poll, a
# pushed reply), so only a link copied out of the widget runs out.
FILE_LINK_AGE = 24 * 3600
AGENT_TTL = 90  # seconds an agent page's ping keeps the agent "online"
VISITOR_TTL = 60  # seconds a visitor's socket ping / poll keeps them "connected"
TEXT_LIMIT = 5000
NAME_LIMIT = 200
DEFAULT_EMAIL_AFTER = 5  # minutes
OFFLINE_PREFIX = "offline-"


# --- visitors ---------------------------------------------------------------------


def new_visitor_token(connector) -> tuple[str, str]:
    """(token, visitor id) for a new visitor of this connector."""
    visitor = secrets.token_urlsafe(18)
    return signing.dumps({"c": connector.pk, "v": visitor}, salt=SALT), visitor


def read_token(token) -> tuple[int, str] | None:
    """(connector id, visitor id) of a genuine token, else None."""
    if not isinstance(token, str) or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("v"), str):
        return None
    return int(data.get("c") or 0), data["v"]


def visitor_group(connector_id: int, visitor: str) -> str:
    # Group names allow [a-zA-Z0-9._-] only; token_urlsafe ids fit.
    return f"chat-{connector_id}-{visitor}"[:99]


def identity_value(connector, visitor: str) -> str:
    return f"{connector.pk}:{visitor}"


def file_link(connector, attachment_id: int, visitor: str) -> str:
    signed = signing.dumps({"a": attachment_id, "v": visitor}, salt=FILE_SALT)
    return f"{settings.BASE_URL}/chat/{connector.key}/file/{signed}/"


def read_file_link(signed: str) -> tuple[int, str] | None:
    """(attachment id, visitor) of a genuine link younger than FILE_LINK_AGE."""
    try:
        data = signing.loads(signed, salt=FILE_SALT, max_age=FILE_LINK_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    return int(data["a"]), str(data["v"])


# --- options ----------------------------------------------------------------------


def normalize_origin(origin: str) -> str:
    parts = urlsplit((origin or "").strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def origin_allowed(connector, origin: str) -> bool:
    """The page's origin is one the connector lists in options["origins"] (or Okno's
    own). No Origin at all is refused: browsers always send it where it matters."""
    origin = normalize_origin(origin)
    if not origin:
        return False
    allowed = {normalize_origin(o) for o in connector.options.get("origins") or []}
    allowed.add(normalize_origin(settings.BASE_URL))
    return origin in allowed


def widget_options(connector) -> dict:
    options = connector.options or {}
    return {
        "ask_name": bool(options.get("ask_name", True)),
        "ask_email": bool(options.get("ask_email", True)),
        "title": str(options.get("title") or "")[:100],
        "greeting": str(options.get("greeting") or "")[:500],
    }


def email_after(connector, visitor: str) -> dt.timedelta:
    if visitor.startswith(OFFLINE_PREFIX):
        return dt.timedelta(0)  # the offline form: the answer can only go by email
    minutes = (connector.options or {}).get("email_after_minutes", DEFAULT_EMAIL_AFTER)
    try:
        return dt.timedelta(minutes=max(float(minutes), 0))
    except (TypeError, ValueError):
        return dt.timedelta(minutes=DEFAULT_EMAIL_AFTER)


# --- presence ---------------------------------------------------------------------


def agent_seen(user_id: int) -> None:
    cache.set(f"chat:agent:{user_id}", time.time(), AGENT_TTL)


def agents_online(connector) -> bool:
    from okno.accounts.models import User
    from okno.assignment.selectors import ASSIGNABLE_ROLES

    people = User.objects.filter(is_active=True, is_available=True, role__in=ASSIGNABLE_ROLES)
    if connector.group_id:
        people = people.filter(agent_groups=connector.group_id)
    keys = [f"chat:agent:{pk}" for pk in people.values_list("pk", flat=True)[:500]]
    return bool(keys) and bool(cache.get_many(keys))


def visitor_seen(connector_id: int, visitor: str) -> None:
    cache.set(f"chat:visitor:{connector_id}:{visitor}", time.time(), VISITOR_TTL)


def agent_typing(ticket_number: int | None) -> bool:
    """Whether an agent types on the ticket's page (the ticket consumer's presence)."""
    if not ticket_number:
        return False
    presence = cache.get(f"presence:{ticket_number}") or {}
    now = time.time()
    return any(p.get("typing") and now - p.get("seen", 0) < 30 for p in presence.values())


# --- what the visitor sees --------------------------------------------------------


def message_payload(message, connector, visitor: str) -> dict:
    from okno.tickets.models import AuthorKind

    mine = message.author_kind == AuthorKind.CONTACT
    author = "" if mine or message.author_user is None else message.author_user.name
    return {
        "id": message.pk,
        "cid": message.external_id if mine else "",
        "from": "visitor" if mine else "agent",
        "name": author,
        "text": message.body_text,
        "at": message.created_at.isoformat(),
        "files": [
            {"name": a.filename, "url": file_link(connector, a.pk, visitor)}
            for a in message.attachments.all()
        ],
    }


HISTORY_PAGE = 50  # messages a (re)loaded widget shows; older ones page in on request
HISTORY_TICKETS = 20  # follow-up tickets of one conversation the widget looks back over
LINKS_READ = 500  # follow-up links into the contact's chat tickets read to walk them


def conversation_tickets(conversation) -> list[int]:
    """The conversation's tickets, newest first: its current one and the earlier ones
    it followed up (the links the conversations service makes), only while they stay
    the same contact's chat tickets, so an agent's link to another ticket shows the
    visitor nothing new. One query for the links (this runs on every poll), walked
    here; at most HISTORY_TICKETS tickets."""
    from okno.tickets.models import LinkKind, TicketLink

    if conversation is None or conversation.ticket_id is None:
        return []
    links = TicketLink.objects.filter(
        kind=LinkKind.FOLLOW_UP,
        target__contact_id=conversation.contact_id,
        target__channel=conversation.connector.kind,
    ).order_by("-target_id")
    earlier_of: dict[int, list[int]] = {}
    for source, target in links.values_list("source_id", "target_id")[:LINKS_READ]:
        earlier_of.setdefault(source, []).append(target)  # newest first
    numbers = [conversation.ticket_id]
    while len(numbers) < HISTORY_TICKETS:
        earlier = next((t for t in earlier_of.get(numbers[-1], ()) if t not in numbers), None)
        if earlier is None:
            break
        numbers.append(earlier)
    return numbers


def history(conversation, after: int = 0, before: int = 0, limit: int = HISTORY_PAGE) -> dict:
    """The visitor's view of the conversation: public messages of all its tickets.

    `after` > 0: the messages since that id (a poll), oldest first. Otherwise the
    latest `limit` before `before` (0: the newest), oldest first, with "more" saying
    whether older ones exist. Message ids grow with time, so one order serves every
    ticket of the conversation."""
    from okno.tickets.models import Message

    tickets = conversation_tickets(conversation)
    if not tickets:
        return {"messages": [], "more": False}
    rows = (
        Message.objects.filter(ticket_id__in=tickets, ticket__is_deleted=False, public=True)
        .select_related("author_user")
        .prefetch_related("attachments")
    )
    if after > 0:
        page = list(rows.filter(pk__gt=after).order_by("id")[:limit])
        more = False
    else:
        if before > 0:
            rows = rows.filter(pk__lt=before)
        page = list(rows.order_by("-id")[: limit + 1])
        more = len(page) > limit
        page = page[:limit][::-1]
    connector, visitor = conversation.connector, conversation.external_id
    return {"messages": [message_payload(m, connector, visitor) for m in page], "more": more}


# --- email continuation -----------------------------------------------------------


def _typed_email(conversation) -> str:
    """The latest email the visitor typed on this ticket's chat (from the raw store)."""
    from okno.channels.models import InboundEnvelope

    rows = InboundEnvelope.objects.filter(
        connector_id=conversation.connector_id, ticket_id=conversation.ticket_id
    ).order_by("-id")[:20]
    for envelope in rows:
        try:
            data = json.loads(envelope.raw_bytes())
        except ValueError:
            continue
        email = data.get("email") if data.get("visitor") == conversation.external_id else ""
        if isinstance(email, str) and "@" in email:
            return email.strip()[:254]
    return ""


def email_continuation(message, conversation):
    """Queue the reply as an email, due after the connector's wait; None without an
    address. Made through the outbound email service, so it threads, retries and
    shows on the message like any emailed reply."""
    from okno.channels.models import Delivery, DeliveryKind
    from okno.channels.outbound.compose import ticket_mailbox
    from okno.channels.outbound.delivery import _create
    from okno.channels.outbound.tasks import deliver

    contact = conversation.contact
    address = contact.email or _typed_email(conversation)
    if not address:
        return None
    if address != contact.email:  # the address belongs to another contact: a suggestion
        contact = Contact(name=contact.name, email=address, language=contact.language)
    wait = email_after(conversation.connector, conversation.external_id)
    delivery = _create(
        ticket=message.ticket,
        kind=DeliveryKind.REPLY,
        message=message,
        to=[contact],
        cc=[],
        mailbox=ticket_mailbox(message.ticket),
    )
    Delivery.objects.filter(pk=delivery.pk, attempts=0).update(
        next_attempt_at=timezone.now() + wait
    )
    transaction.on_commit(
        lambda: deliver.schedule(args=(delivery.pk,), delay=max(wait.total_seconds(), 0))
    )
    return delivery


def reply_seen(message_ids) -> int:
    """The visitor saw these replies in the chat: drop their emails not yet tried."""
    from okno.channels.models import Delivery, DeliveryStatus, OutboundMessageId

    pending = Delivery.objects.filter(
        message_id__in=list(message_ids),
        channel="email",
        status=DeliveryStatus.QUEUED,
        attempts=0,
    )
    mail_ids = list(pending.values_list("mail_id", flat=True))
    if not mail_ids:
        return 0
    OutboundMessageId.objects.filter(message_id__in=mail_ids).delete()
    return Delivery.objects.filter(mail_id__in=mail_ids, attempts=0).delete()[0]


# --- the adapter ------------------------------------------------------------------


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def item(
    *,
    visitor: str,
    message_id: str,
    text: str = "",
    name: str = "",
    email: str = "",
    language: str = "",
    files: list[dict] | None = None,
    offline: bool = False,
) -> bytes:
    """One visitor message as the JSON the raw store keeps."""
    data = {
        "id": message_id,
        "visitor": visitor,
        "text": text,
        "name": name,
        "email": email,
        "language": language,
        "offline": offline,
        "files": files or [],
    }
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


class ChatAdapter(Adapter):
    """The widget posts to /chat/..., never to /hooks/chat/: `verify` keeps the
    default refusal there."""

    kind = "chat"

    def split(self, connector, body):
        data = json.loads(body)
        if not _text(data.get("id"), 100) or not _text(data.get("visitor"), 100):
            raise ValueError("a chat item needs 'id' and 'visitor'")
        return [(f"{data['visitor']}:{data['id']}", body)]

    def parse(self, connector, item):
        data = json.loads(item)
        visitor = data["visitor"]
        media = []
        for f in data.get("files") or []:
            try:
                content = base64.b64decode(f.get("data") or "", validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise ValueError("a file's 'data' is not base64") from None
            media.append(
                InboundMedia(
                    filename=_text(f.get("filename"), 200) or "file",
                    content_type=_text(f.get("content_type"), 120) or "application/octet-stream",
                    data=content,
                )
            )
        email = _text(data.get("email"), 254).strip()
        if data.get("offline"):  # the offline form: the person is their email address
            kind, value, extra = IdentityKind.EMAIL, email, []
        else:
            kind, value = IdentityKind.CHAT, identity_value(connector, visitor)
            extra = [(IdentityKind.EMAIL, email)] if email else []
        return InboundMessage(
            chat_id=visitor,
            identity_kind=kind,
            identity_value=value,
            external_id=data["id"],
            name=_text(data.get("name"), NAME_LIMIT).strip(),
            text=_text(data.get("text"), TEXT_LIMIT),
            media=media,
            extra_identities=extra,
            language=_text(data.get("language"), 8),
        )

    def send(self, delivery, message, conversation):
        connector = conversation.connector
        visitor = conversation.external_id
        if message is not None:
            # The email first: a socket that shows the reply drops it (reply_seen).
            email_continuation(message, conversation)
            payload = {"type": "message", "message": message_payload(message, connector, visitor)}
            send_to_group(visitor_group(connector.pk, visitor), payload)
        return f"chat-{message.pk if message else delivery.pk}"


ADAPTER = register(ChatAdapter())
