"""Queued messenger work: draining a connector's inbox, and the safety-net sweep."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from okno.channels.messengers.inbound import drain, envelopes_due, process_envelope


@db_task()
def drain_connector(connector_id: int) -> None:
    try:
        # One drain per connector at a time keeps a chat's messages in order; a drain
        # queued while another runs finds the inbox empty or takes what is left.
        with HUEY.lock_task(f"okno-connector-{connector_id}"):
            while drain(connector_id):
                pass
    except TaskLockedException:
        drain_connector.schedule(args=(connector_id,), delay=1)


@db_periodic_task(crontab(minute="*"))
def inbound_sweep() -> None:
    """Every minute: envelopes whose task was lost, and failed ones due a retry."""
    for envelope_id in envelopes_due():
        process_envelope(envelope_id)
