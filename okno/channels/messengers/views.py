"""POST /hooks/<kind>/<key>/: every messenger's webhook.

The order is the point: find the connector by its unguessable key, check the
signature on the raw bytes (a forged request gets 401/403 and leaves only a log
line), store the items, queue their processing, answer at once. Providers retry
what we do not acknowledge, so the answer must not wait for ticket work.
"""

import logging

from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from okno.channels.messengers import tasks
from okno.channels.messengers.inbound import store_items, store_rejected
from okno.channels.messengers.types import Rejected, adapter_for
from okno.channels.models import Connector

log = logging.getLogger("okno.channels.messengers")


def _connector(kind: str, key: str) -> Connector:
    connector = Connector.objects.filter(kind=kind, key=key, active=True).first()
    if connector is None:
        raise Http404
    return connector


@csrf_exempt
def webhook(request, kind: str, key: str):
    try:
        adapter = adapter_for(kind)
    except LookupError:
        raise Http404 from None
    connector = _connector(kind, key)
    if request.method == "GET":
        answer = adapter.handshake(connector, request)
        return answer or HttpResponseNotAllowed(["POST"])
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        adapter.verify(connector, request)
    except Rejected as exc:
        log.warning(
            "%s webhook for connector %s refused (%s) from %s",
            kind,
            connector.pk,
            exc.reason,
            request.META.get("REMOTE_ADDR"),
        )
        return HttpResponse(exc.reason, status=exc.status, content_type="text/plain")
    answer = adapter.respond(connector, request)
    if answer is not None:  # a provider's own request (VK confirmation): not a message
        return answer
    try:
        items = adapter.split(connector, request.body)
    except (Rejected, ValueError) as exc:
        store_rejected(connector, request.body, f"unreadable webhook: {exc}")
        return HttpResponse("unreadable body", status=400, content_type="text/plain")
    stored = store_items(connector, items)
    if stored:
        tasks.drain_connector(connector.pk)
    return adapter.acknowledge(connector, request, stored)
