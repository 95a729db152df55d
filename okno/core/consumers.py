"""WebSocket consumers for agents: list updates, and presence/typing on a ticket.

Every connection is authenticated by the session and checked with the tickets
permission module before it joins a group.
"""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache
from django.http import Http404

from okno.core.realtime import LIST_GROUP, ticket_group

PRESENCE_TTL = 60


def _presence_key(number: int) -> str:
    return f"presence:{number}"


@database_sync_to_async
def _can_view(user, number: int) -> bool:
    from okno.tickets.permissions import ticket_get_for_user

    try:
        ticket_get_for_user(user, number)
    except Http404:
        return False
    return True


class TicketListConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        await self.channel_layer.group_add(LIST_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(LIST_GROUP, self.channel_name)

    async def okno_push(self, event):
        await self.send_json(event["payload"])


class TicketConsumer(AsyncJsonWebsocketConsumer):
    """Presence on one ticket: who is viewing, who is typing."""

    async def connect(self):
        user = self.scope.get("user")
        self.number = self.scope["url_route"]["kwargs"]["number"]
        if user is None or not user.is_authenticated or not await _can_view(user, self.number):
            await self.close()
            return
        self.group = ticket_group(self.number)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._set_presence(typing=False)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self._drop_presence()
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") in ("typing", "heartbeat", "idle"):
            await self._set_presence(typing=content.get("type") == "typing")

    async def okno_push(self, event):
        await self.send_json(event["payload"])

    async def _presence(self) -> dict:
        return await database_sync_to_async(cache.get)(_presence_key(self.number)) or {}

    async def _store(self, presence: dict) -> None:
        await database_sync_to_async(cache.set)(
            _presence_key(self.number), presence, PRESENCE_TTL * 10
        )

    async def _set_presence(self, *, typing: bool) -> None:
        user = self.scope["user"]
        now = time.time()
        presence = {
            k: v for k, v in (await self._presence()).items() if now - v["seen"] < PRESENCE_TTL
        }
        presence[self.channel_name] = {
            "user": user.pk,
            "name": user.name,
            "typing": typing,
            "seen": now,
        }
        await self._store(presence)
        await self._announce(presence)

    async def _drop_presence(self) -> None:
        presence = await self._presence()
        presence.pop(self.channel_name, None)
        await self._store(presence)
        await self._announce(presence)

    async def _announce(self, presence: dict) -> None:
        people: dict[int, dict] = {}
        for entry in presence.values():
            person = people.setdefault(
                entry["user"], {"id": entry["user"], "name": entry["name"], "typing": False}
            )
            person["typing"] = person["typing"] or entry["typing"]
        await self.channel_layer.group_send(
            self.group,
            {"type": "okno.push", "payload": {"type": "presence", "people": list(people.values())}},
        )
