"""ASGI entry point: HTTP through Django on a fixed pool of threads, WebSockets
through Channels.

Django's own ASGI handler runs every sync request in a thread of its own, started
for that request, so the thread-local database connection is opened and closed
per request (a new SQLite connection with its PRAGMAs, or a trip to the
PostgreSQL pool from a cold thread). Okno's views are all sync, so HTTP goes
through Django's WSGI handler instead, run by a2wsgi on `OKNO_WEB_THREADS`
long-lived threads: each keeps its connection across requests (SQLite: a
persistent connection, CONN_MAX_AGE; PostgreSQL: the per-process pool), and the
number of connections a web process holds is bounded by its threads. Webhooks
(/hooks/) are answered in front of it by `HooksRoute`, on threads of their own and
without the middleware stack; WebSockets stay on Channels.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_wsgi = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from okno.channels.messengers.chat_consumers import OriginRouter  # noqa: E402
from okno.channels.messengers.hooks_asgi import HooksRoute  # noqa: E402
from okno.core.routing import websocket_urlpatterns  # noqa: E402

http = WSGIMiddleware(django_wsgi, workers=settings.OKNO_WEB_THREADS)
sockets = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
application = ProtocolTypeRouter(
    {
        # Webhooks skip the middleware stack too (hooks_asgi.py says why).
        "http": HooksRoute(http),
        # The chat widget's socket comes from customers' sites: it checks its own
        # connector's allowed origins (chat_consumers.py) instead of ALLOWED_HOSTS.
        "websocket": OriginRouter(AllowedHostsOriginValidator(sockets), sockets),
    }
)
