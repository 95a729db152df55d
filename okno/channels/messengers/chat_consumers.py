"""WebSockets of the live chat.

/ws/chat/<visitor token>/  the widget: sends messages and typing, receives agents'
    replies (the visitor's group, see chat.send) and whether an agent types (it also
    listens on its ticket's group, where the ticket page's presence goes, and passes
    on only the yes/no, never who).
/ws/chat/agent/            agent pages (static/chat/agent.js): keeps the agent
    "online" for the widget's offline form.

The visitor's socket comes from customers' sites, so it is exempt from the global
AllowedHostsOriginValidator (`OriginRouter`, used in okno/asgi.py) and checks the
page's Origin against its connector's allowed origins itself.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path

from okno.channels.messengers import chat
from okno.core.realtime import ticket_group

CONNECTS_PER_MINUTE = 30  # per IP
TYPING_PER_MINUTE = 60  # per visitor


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return ""


@database_sync_to_async
def _open(token: str, origin: str, ip: str):
    """(connector, visitor, ticket number) for a genuine token from an allowed
    origin, else None."""
    from okno.channels.messengers.chat_views import Refused, conversation_of, limit
    from okno.channels.models import Connector

    found = chat.read_token(token)
    if found is None:
        return None
    connector = Connector.objects.filter(pk=found[0], kind="chat", active=True).first()
    if connector is None or not chat.origin_allowed(connector, origin):
        return None
    try:
        limit("ws-connect", ip, CONNECTS_PER_MINUTE)
    except Refused:
        return None
    conversation = conversation_of(connector, found[1])
    chat.visitor_seen(connector.pk, found[1])
    return connector, found[1], conversation.ticket_id if conversation else None


@database_sync_to_async
def _take(connector, visitor: str, content: dict, ip: str) -> tuple[dict, int | None]:
    from okno.channels.messengers.chat_views import Refused, conversation_of, take_message

    try:
        stored = take_message(connector, visitor, content, ip=ip)
        answer = {"type": "ack", "id": content.get("id"), "duplicate": not stored}
    except Refused as exc:
        answer = {"type": "error", "id": content.get("id"), "error": exc.error}
    conversation = conversation_of(connector, visitor)
    return answer, conversation.ticket_id if conversation else None


@database_sync_to_async
def _typing(connector, visitor: str, typing: bool) -> None:
    from okno.channels.messengers.chat_views import Refused, limit, visitor_typing

    try:
        limit("typing", f"{connector.pk}:{visitor}", TYPING_PER_MINUTE)
    except Refused:
        return
    visitor_typing(connector, visitor, typing)


@database_sync_to_async
def _updates(connector, visitor: str, after: int) -> dict:
    from okno.channels.messengers.chat_views import updates

    return updates(connector, visitor, after)


class VisitorConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.ip = (self.scope.get("client") or ("", 0))[0] or ""
        opened = await _open(
            self.scope["url_route"]["kwargs"]["token"], _header(self.scope, b"origin"), self.ip
        )
        if opened is None:
            await self.close(code=4403)
            return
        self.connector, self.visitor, ticket = opened
        self.group = chat.visitor_group(self.connector.pk, self.visitor)
        self.ticket_group = None
        self.agent_typing = False
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self._follow(ticket)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if getattr(self, "ticket_group", None):
            await self.channel_layer.group_discard(self.ticket_group, self.channel_name)

    async def _follow(self, ticket: int | None) -> None:
        """Listen on the conversation's ticket group (its first message makes it)."""
        group = ticket_group(ticket) if ticket else None
        if group == self.ticket_group:
            return
        if self.ticket_group:
            await self.channel_layer.group_discard(self.ticket_group, self.channel_name)
        self.ticket_group = group
        if group:
            await self.channel_layer.group_add(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "message":
            answer, ticket = await _take(self.connector, self.visitor, content, self.ip)
            await self._follow(ticket)
            await self.send_json(answer)
        elif kind == "typing":
            await _typing(self.connector, self.visitor, bool(content.get("typing")))
        elif kind == "sync":
            after = content.get("after") if isinstance(content.get("after"), int) else 0
            await self.send_json(
                {"type": "sync", **await _updates(self.connector, self.visitor, after)}
            )
        elif kind == "ping":
            await database_sync_to_async(chat.visitor_seen)(self.connector.pk, self.visitor)

    async def okno_push(self, event):
        payload = event["payload"]
        kind = payload.get("type")
        if kind == "message":
            await self.send_json(payload)
            await database_sync_to_async(chat.reply_seen)([payload["message"]["id"]])
        elif kind == "presence":  # the ticket page's people: pass on only "someone types"
            typing = any(p.get("typing") for p in payload.get("people") or [])
            if typing != self.agent_typing:
                self.agent_typing = typing
                await self.send_json({"type": "typing", "typing": typing})


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not hasattr(user, "is_available"):
            await self.close()
            return
        await self.accept()
        await database_sync_to_async(chat.agent_seen)(user.pk)

    async def receive_json(self, content, **kwargs):
        await database_sync_to_async(chat.agent_seen)(self.scope["user"].pk)


websocket_urlpatterns = [
    path("ws/chat/agent/", AgentConsumer.as_asgi()),
    path("ws/chat/<str:token>/", VisitorConsumer.as_asgi()),
]


class OriginRouter:
    """Visitor sockets past the host-based origin check (they check their own
    connector's origins); everything else through it."""

    def __init__(self, checked, unchecked):
        self.checked = checked
        self.unchecked = unchecked

    async def __call__(self, scope, receive, send):
        path_ = scope.get("path", "")
        visitor = path_.startswith("/ws/chat/") and not path_.startswith("/ws/chat/agent/")
        return await (self.unchecked if visitor else self.checked)(scope, receive, send)
