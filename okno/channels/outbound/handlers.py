"""Reacting to committed ticket events (registered in settings.OKNO_EVENT_HANDLERS).

Only decides *what* to send and queues it; composing and sending happen in tasks.
"""

from okno.channels.outbound.delivery import ACKNOWLEDGED_CHANNELS, REPLY_AUTHORS
from okno.tickets.models import Direction


def on_ticket_events(events) -> None:
    from okno.channels.outbound import tasks

    for event in events:
        data = event.data or {}
        # "note" events are internal notes: they never reach this branch.
        if (
            event.kind == "message"
            and data.get("direction") == Direction.OUT
            and data.get("author_kind") in REPLY_AUTHORS
            and data.get("message")
        ):
            tasks.send_reply(data["message"])
        elif event.kind == "created" and data.get("channel") in ACKNOWLEDGED_CHANNELS:
            tasks.send_acknowledgement(event.ticket_id)
