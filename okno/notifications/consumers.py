"""The bell's socket: each signed-in staff member listens on their own group
"user-<id>" (see `okno.notifications.services.user_group`)."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from okno.notifications.services import user_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not getattr(user, "pk", None):
            await self.close()
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def okno_push(self, event):
        await self.send_json(event["payload"])
