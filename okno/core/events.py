"""After-commit fan-out of ticket events.

Services write `TicketEvent` rows in their transaction and call
`dispatch_after_commit(ids)`. Once the transaction commits, one queued task hands
the events to every handler in `settings.OKNO_EVENT_HANDLERS` (real-time fan-out
now; SLA, automation, notifications and webhooks plug in the same way). A failing
handler is logged and does not stop the others.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger("okno.events")


class _Batch:
    def __init__(self, seconds: float, size: int):
        self.seconds, self.size = seconds, size
        self.ids: list[int] = []
        self.since = time.monotonic()

    def add(self, ids: list[int]) -> None:
        self.ids += ids
        if len(self.ids) >= self.size or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        ids, self.ids, self.since = self.ids, [], time.monotonic()
        _enqueue(ids)


_batch: ContextVar[_Batch | None] = ContextVar("okno_event_batch", default=None)


@contextmanager
def batched_dispatch(seconds: float = 0.25, size: int = 500):
    """Committed events go to the queue in one task per `seconds` (or `size` events)
    instead of one task per transaction. For bulk work (an mbox import): a queue
    write can cost a disk flush, which would otherwise be paid per message."""
    batch = _Batch(seconds, size)
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
        batch.flush()


def handled_at_commit() -> bool:
    """Whether the handlers run inside the commit (an immediate queue: tests, a
    one-shot command) rather than later in a worker."""
    from huey.contrib.djhuey import HUEY

    return HUEY.immediate


def _enqueue(ids: list[int]) -> None:
    if not ids:
        return
    from okno.core.tasks import dispatch_events

    try:
        dispatch_events(ids)
    except Exception:  # the queue being down must not break the request
        log.exception("could not enqueue events %s", ids)


def dispatch_after_commit(event_ids: list[int]) -> None:
    if not event_ids:
        return
    ids = list(event_ids)

    def enqueue():
        batch = _batch.get()
        if batch is not None:
            batch.add(ids)
        else:
            _enqueue(ids)

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
