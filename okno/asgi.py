"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from okno.channels.messengers.chat_consumers import OriginRouter  # noqa: E402
from okno.channels.messengers.hooks_asgi import HooksRoute  # noqa: E402
from okno.core.routing import websocket_urlpatterns  # noqa: E402

sockets = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
application = ProtocolTypeRouter(
    {
        # Webhooks skip the middleware stack (hooks_asgi.py says why).
        "http": HooksRoute(django_app),
        # The chat widget's socket comes from customers' sites: it checks its own
        # connector's allowed origins (chat_consumers.py) instead of ALLOWED_HOSTS.
        "websocket": OriginRouter(AllowedHostsOriginValidator(sockets), sockets),
    }
)
