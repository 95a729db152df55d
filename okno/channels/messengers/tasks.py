"""Queued messenger work: draining a connector's inbox, and the safety-net sweep.

`drain_connector` is what a webhook calls after storing. At hundreds of messages a
second a queue write per message would cost more than storing the message, so calls
are coalesced per connector: the first in a COALESCE window queues a drain at once
(low latency for a quiet chat) plus a trailing one after the window, which takes
whatever arrived while the window stood. The window lives in the cache: per process
with the embedded default, shared through Redis when scaled out; either way every
stored message is followed by a drain that starts after it was committed.
"""

from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from okno.channels.messengers.inbound import drain, envelopes_due, process_envelope

COALESCE = 1.0  # seconds


def drain_connector(connector_id: int) -> None:
    """Have the connector's stored messages processed soon (call after storing)."""
    if HUEY.immediate:
        drain_inbox(connector_id)
        return
    if cache.add(f"okno:drain:{connector_id}", 1, timeout=COALESCE):
        drain_inbox(connector_id)
        drain_inbox.schedule(args=(connector_id,), delay=COALESCE + 0.5)


@db_task()
def drain_inbox(connector_id: int) -> None:
    try:
        # One drain per connector at a time keeps a chat's messages in order; a drain
        # queued while another runs tries again a moment later.
        with HUEY.lock_task(f"okno-connector-{connector_id}"):
            while drain(connector_id):
                pass
    except TaskLockedException:
        drain_inbox.schedule(args=(connector_id,), delay=1)


@db_periodic_task(crontab(minute="*"))
def inbound_sweep() -> None:
    """Every minute: envelopes whose task was lost, and failed ones due a retry."""
    for envelope_id in envelopes_due():
        process_envelope(envelope_id)
