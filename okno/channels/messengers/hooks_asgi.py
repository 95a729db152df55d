"""POST /hooks/<kind>/<key>/ served beside Django's handler, not through it.

A webhook is the hottest path in Okno (providers post each message as it comes)
and the view needs nothing of the middleware stack: no session, user, CSRF,
language, messages or htmx. Through Django's ASGI handler each one also ran in a
thread started for it, with a database connection opened for it. `HooksRoute`
wraps the project's ASGI application: it reads a /hooks/ request's body and hands
it to the same view (`views.webhook`: connector, signature on the raw bytes, raw
store, coalesced drain, answer) on a small pool of long-lived threads, each
keeping its database connection while it works. Every other request goes to the
wrapped application untouched.

okno/asgi.py wraps its HTTP application in it.
"""

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import Http404, HttpResponse

log = logging.getLogger("okno.channels.messengers")

PATH = re.compile(r"/hooks/(?P<kind>[-a-zA-Z0-9_]+)/(?P<key>[^/]+)/")
THREADS = 4  # webhooks wait on the database most of the time; a few overlap well


def _threads() -> int:
    """THREADS, but at most half the process's PostgreSQL pool: each thread keeps a
    connection, and the rest of the site needs the others."""
    pool = (settings.DATABASES["default"].get("OPTIONS") or {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size"):
        return max(1, min(THREADS, pool["max_size"] // 2))
    return THREADS


class HooksRoute:
    def __init__(self, app, threads: int | None = None):
        # Built before or after django.setup(): the view module is imported on first use.
        self.app = app
        self.executor = ThreadPoolExecutor(threads or _threads(), thread_name_prefix="okno-hooks")

    async def __call__(self, scope, receive, send):
        match = PATH.fullmatch(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            return await self.app(scope, receive, send)
        body = await _read_body(receive)
        if body is None:  # the client went away, or sent more than we take
            return await _send(send, HttpResponse("too large", status=413))
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(
            self.executor, handle, scope, body, match["kind"], match["key"]
        )
        await _send(send, response)


async def _read_body(receive) -> bytes | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def handle(scope, body: bytes, kind: str, key: str) -> HttpResponse:
    """The view on one request, in a pool thread; what Django's handler would answer
    for what the view raises."""
    from okno.channels.messengers import views  # after django.setup() (see __init__)

    request = ASGIRequest(scope, BytesIO(body))
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for Django
        return views.webhook(request, kind, key)
    except Http404:
        return HttpResponse("not found", status=404, content_type="text/plain")
    except (SuspiciousOperation, PermissionDenied) as exc:
        log.warning("webhook %s refused: %s", scope.get("path"), exc)
        return HttpResponse("bad request", status=400, content_type="text/plain")
    except Exception:
        log.exception("webhook %s failed", scope.get("path"))
        return HttpResponse("error", status=500, content_type="text/plain")
    finally:
        _keep_usable_connections()


def _keep_usable_connections() -> None:
    """Keep this thread's connections for its next request (no connect per webhook),
    but not one left broken or inside a transaction: a new one is opened instead."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        broken = connection.errors_occurred and not connection.is_usable()
        if broken or connection.in_atomic_block or not connection.get_autocommit():
            connection.close()


async def _send(send, response: HttpResponse) -> None:
    content = response.content
    headers = [(b"content-length", str(len(content)).encode("ascii"))]
    headers += [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.items()
        if name.lower() != "content-length"
    ]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": content})
