"""Real-time fan-out to agents' browsers over Channels.

Groups: `tickets` (every agent's list page listens: which tickets changed) and
`ticket-<number>` (everyone on that ticket's page: new messages, presence, typing).
Messages carry ticket numbers only; each browser fetches what it may see through
the ordinary, permission-checked views.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def ticket_group(number: int) -> str:
    return f"ticket-{number}"


LIST_GROUP = "tickets"


def send_to_group(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": "okno.push", "payload": payload})


def broadcast_ticket_events(events) -> None:
    by_ticket: dict[int, list[str]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event.kind)
    for number, kinds in by_ticket.items():
        payload = {"type": "ticket.changed", "ticket": number, "kinds": sorted(set(kinds))}
        send_to_group(ticket_group(number), payload)
        send_to_group(LIST_GROUP, payload)
