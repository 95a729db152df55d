from django.urls import path

from okno.channels.messengers import chat_consumers
from okno.core import consumers
from okno.notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/tickets/", consumers.TicketListConsumer.as_asgi()),
    path("ws/tickets/<int:number>/", consumers.TicketConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    *chat_consumers.websocket_urlpatterns,  # the live chat widget, agents' presence
]
