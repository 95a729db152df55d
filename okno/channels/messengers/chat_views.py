"""/chat/: the widget script and the visitor's HTTP endpoints (the WebSocket's
fallback, and what the socket cannot carry: uploads, the offline form).

Every endpoint but the script answers only a page whose Origin the connector lists
(CORS with that origin echoed, never credentials), takes JSON sent as text/plain so
browsers skip the preflight, and is rate limited per visitor and per IP. Visitor
text is stored as plain text and never turned into markup.
"""

import base64
import functools
import json
import mimetypes
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.validators import EmailValidator, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from okno.accounts.services import client_ip
from okno.channels.messengers import chat, tasks
from okno.channels.messengers.inbound import store_items
from okno.channels.models import Connector, Conversation
from okno.portal import ratelimit

BODY_LIMIT = 64 * 1024
MESSAGES_PER_MINUTE = 30  # per visitor
REQUESTS_PER_MINUTE = 240  # per IP, every endpoint together
NEW_VISITORS = 30  # per IP in ten minutes
UPLOADS = 20  # per visitor in ten minutes
OFFLINE_FORMS = 5  # per IP in ten minutes
LANGUAGES = ("ru", "uk", "en")


class Refused(Exception):
    def __init__(self, status: int, error: str):
        self.status = status
        self.error = error


def _language(value) -> str:
    code = (value or "").lower()[:2] if isinstance(value, str) else ""
    return code if code in LANGUAGES else "en"


def strings(language: str) -> dict:
    """The widget's texts in the page's language (gettext, so the catalogues hold them)."""
    with translation.override(language):
        return {
            "title": _("Chat with us"),
            "open": _("Open the chat"),
            "close": _("Close the chat"),
            "name": _("Your name"),
            "email": _("Your email"),
            "message": _("Message"),
            "send": _("Send"),
            "attach": _("Attach a file"),
            "typing": _("The agent is typing…"),
            "you": _("You"),
            "agent": _("Support"),
            "offline_title": _("We are offline"),
            "offline_intro": _("Leave a message and we will answer by email."),
            "offline_sent": _("Thank you! We will answer by email."),
            "error": _("The message could not be sent. We will try again."),
            "too_large": _("The file is too large."),
            "greeting": _("Hello! How can we help?"),
            "earlier": _("Earlier messages"),
        }


def json_body(request) -> dict:
    if len(request.body) > BODY_LIMIT:
        raise Refused(413, "too large")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise Refused(400, "not JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "not an object")
    return data


def visitor_of(connector: Connector, token) -> str:
    found = chat.read_token(token)
    if found is None or found[0] != connector.pk:
        raise Refused(401, "bad token")
    return found[1]


def limit(scope: str, ident: str, count: int, window: int = 60) -> None:
    if not ratelimit.hit(f"chat:{scope}", ident, limit=count, window=window):
        raise Refused(429, "slow down")


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def endpoint(view):
    """Connector by key, OPTIONS, the origin check, the IP limit, errors as JSON."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, key: str, *args, **kwargs):
        connector = Connector.objects.filter(kind="chat", key=key, active=True).first()
        if connector is None:
            raise Http404
        origin = request.headers.get("Origin", "")
        if not chat.origin_allowed(connector, origin):
            return JsonResponse({"error": "origin not allowed"}, status=403)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
            return _cors(response, origin)
        try:
            limit("ip", client_ip(request), REQUESTS_PER_MINUTE)
            response = view(request, connector, *args, **kwargs)
        except Refused as exc:
            response = JsonResponse({"error": exc.error}, status=exc.status)
        return _cors(response, origin)

    return wrapper


# --- intake (shared with the WebSocket consumer) -------------------------------------


def clean_email(value) -> str:
    email = value.strip()[:254] if isinstance(value, str) else ""
    if not email:
        return ""
    try:
        EmailValidator()(email)
    except ValidationError:
        raise Refused(400, "bad email") from None
    return email


def field(data: dict, name: str, limit: int) -> str:
    value = data.get(name)
    return value[:limit] if isinstance(value, str) else ""


def message_id(value) -> str:
    if not isinstance(value, str) or not 8 <= len(value) <= 64:
        raise Refused(400, "bad id")
    return value


def take_message(connector: Connector, visitor: str, data: dict, *, ip: str, files=()) -> bool:
    """Store one visitor message raw and queue its processing; False for a resend."""
    limit("visitor", f"{connector.pk}:{visitor}", MESSAGES_PER_MINUTE)
    limit("ip-messages", ip, MESSAGES_PER_MINUTE * 4)
    text = field(data, "text", chat.TEXT_LIMIT)
    if not text.strip() and not files:
        raise Refused(400, "empty")
    raw = chat.item(
        visitor=visitor,
        message_id=message_id(data.get("id")),
        text=text,
        name=field(data, "name", chat.NAME_LIMIT),
        email=clean_email(data.get("email")),
        language=_language(data.get("lang")),
        files=list(files),
    )
    stored = store_items(connector, chat.ADAPTER.split(connector, raw))
    if stored:
        tasks.drain_connector(connector.pk)
    chat.visitor_seen(connector.pk, visitor)
    return bool(stored)


def conversation_of(connector: Connector, visitor: str) -> Conversation | None:
    return (
        Conversation.objects.select_related("connector")
        .filter(connector=connector, external_id=visitor)
        .first()
    )


def visitor_typing(connector: Connector, visitor: str, typing: bool) -> None:
    from okno.core.realtime import send_to_group, ticket_group

    conversation = conversation_of(connector, visitor)
    if conversation is not None and conversation.ticket_id:
        send_to_group(
            ticket_group(conversation.ticket_id), {"type": "visitor.typing", "typing": typing}
        )


def updates(connector: Connector, visitor: str, after: int, before: int = 0) -> dict:
    """New messages (or, with `before`, an older page), agent typing, online: what a
    poll, a reload or a reconnect needs."""
    conversation = conversation_of(connector, visitor)
    page = chat.history(conversation, after, before)
    chat.reply_seen(m["id"] for m in page["messages"] if m["from"] == "agent")
    chat.visitor_seen(connector.pk, visitor)
    return {
        **page,
        "typing": chat.agent_typing(conversation.ticket_id if conversation else None),
        "online": chat.agents_online(connector),
    }


# --- views ------------------------------------------------------------------------


@require_GET
def widget_script(request, name: str):
    """/chat/widget.js and widget.css: one URL for any site's script tag."""
    if name not in ("widget.js", "widget.css"):
        raise Http404
    found = finders.find(f"chat/{name}") or str(Path(settings.STATIC_ROOT or ".") / "chat" / name)
    if not Path(found).is_file():
        raise Http404
    # A small file, read whole: a streamed file would be iterated synchronously under ASGI.
    response = HttpResponse(Path(found).read_bytes(), content_type=mimetypes.guess_type(name)[0])
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@endpoint
def start(request, connector):
    """A new visitor gets a token; a returning one its history. Both get the texts."""
    data = json_body(request)
    found = chat.read_token(data.get("token"))
    if found is None or found[0] != connector.pk:
        limit("new", client_ip(request), NEW_VISITORS, 600)
        token, visitor = chat.new_visitor_token(connector)
    else:
        token, visitor = data["token"], found[1]
    return JsonResponse(
        {
            "token": token,
            "options": chat.widget_options(connector),
            "strings": strings(_language(data.get("lang"))),
            **updates(connector, visitor, 0),
        }
    )


@endpoint
def send(request, connector):
    data = json_body(request)
    visitor = visitor_of(connector, data.get("token"))
    stored = take_message(connector, visitor, data, ip=client_ip(request))
    return JsonResponse({"ok": True, "duplicate": not stored}, status=202)


@endpoint
def upload(request, connector):
    visitor = visitor_of(connector, request.POST.get("token"))
    limit("upload", f"{connector.pk}:{visitor}", UPLOADS, 600)
    upload = request.FILES.get("file")
    if upload is None:
        raise Refused(400, "no file")
    if upload.size > settings.OKNO_MAX_ATTACHMENT_SIZE:
        raise Refused(413, "too large")
    files = [
        {
            "filename": (upload.name or "file")[:200],
            "content_type": (upload.content_type or "application/octet-stream")[:120],
            "data": base64.b64encode(upload.read()).decode("ascii"),
        }
    ]
    fields = {"id": request.POST.get("id"), "text": request.POST.get("text", "")}
    stored = take_message(connector, visitor, fields, ip=client_ip(request), files=files)
    return JsonResponse({"ok": True, "duplicate": not stored}, status=202)


@endpoint
def poll(request, connector):
    data = json_body(request)
    visitor = visitor_of(connector, data.get("token"))
    after, before = (
        data.get(k) if isinstance(data.get(k), int) else 0 for k in ("after", "before")
    )
    return JsonResponse(updates(connector, visitor, after, before))


@endpoint
def typing(request, connector):
    data = json_body(request)
    visitor = visitor_of(connector, data.get("token"))
    limit("typing", f"{connector.pk}:{visitor}", 60)
    visitor_typing(connector, visitor, bool(data.get("typing")))
    return JsonResponse({"ok": True})


@endpoint
def offline(request, connector):
    """No agent online: the form makes a ticket answered by email."""
    data = json_body(request)
    limit("offline", client_ip(request), OFFLINE_FORMS, 600)
    email = clean_email(data.get("email"))
    if not email:
        raise Refused(400, "email required")
    text = field(data, "text", chat.TEXT_LIMIT)
    if not text.strip():
        raise Refused(400, "empty")
    # Its own conversation: the reply goes by email at once (chat.email_after).
    raw = chat.item(
        visitor=chat.OFFLINE_PREFIX + secrets.token_urlsafe(12),
        message_id=message_id(data.get("id")),
        text=text,
        name=field(data, "name", chat.NAME_LIMIT),
        email=email,
        language=_language(data.get("lang")),
        offline=True,
    )
    if store_items(connector, chat.ADAPTER.split(connector, raw)):
        tasks.drain_connector(connector.pk)
    return JsonResponse({"ok": True}, status=202)


@csrf_exempt
@require_GET
def download(request, key: str, signed: str):
    """An agent's file, by a signed link naming the attachment and the visitor."""
    from okno.tickets.models import Attachment

    connector = Connector.objects.filter(kind="chat", key=key, active=True).first()
    found = chat.read_file_link(signed)
    if connector is None or found is None:
        raise Http404
    attachment_id, visitor = found
    conversation = conversation_of(connector, visitor)
    attachment = Attachment.objects.filter(
        pk=attachment_id,
        message__public=True,
        message__ticket_id=getattr(conversation, "ticket_id", None),
    ).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


app_name = "chat"
urlpatterns = [
    path("<str:name>", widget_script, name="script"),  # widget.js, widget.css
    path("<str:key>/start/", start, name="start"),
    path("<str:key>/send/", send, name="send"),
    path("<str:key>/upload/", upload, name="upload"),
    path("<str:key>/poll/", poll, name="poll"),
    path("<str:key>/typing/", typing, name="typing"),
    path("<str:key>/offline/", offline, name="offline"),
    path("<str:key>/file/<str:signed>/", download, name="file"),
]
