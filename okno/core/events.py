"""After-commit fan-out of ticket events.

Services write `TicketEvent` rows in their transaction and call
`dispatch_after_commit(ids)`. Once the transaction commits, one queued task hands
the events to every handler in `settings.OKNO_EVENT_HANDLERS` (real-time fan-out
now; SLA, automation, notifications and webhooks plug in the same way). A failing
handler is logged and does not stop the others.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger("okno.events")


def dispatch_after_commit(event_ids: list[int]) -> None:
    if not event_ids:
        return
    ids = list(event_ids)

    def enqueue():
        from okno.core.tasks import dispatch_events

        try:
            dispatch_events(ids)
        except Exception:  # the queue being down must not break the request
            log.exception("could not enqueue events %s", ids)

    transaction.on_commit(enqueue)


def run_handlers(event_ids: list[int]) -> None:
    from okno.tickets.models import TicketEvent

    events = list(
        TicketEvent.objects.filter(id__in=event_ids).select_related("ticket").order_by("id")
    )
    for path in settings.OKNO_EVENT_HANDLERS:
        try:
            import_string(path)(events)
        except Exception:
            log.exception("event handler %s failed", path)
