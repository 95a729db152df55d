from django.urls import path

from okno.core import consumers

websocket_urlpatterns = [
    path("ws/tickets/", consumers.TicketListConsumer.as_asgi()),
    path("ws/tickets/<int:number>/", consumers.TicketConsumer.as_asgi()),
]
