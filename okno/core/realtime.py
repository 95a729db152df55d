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
    send_to_groups([(group, payload)])


def send_to_groups(messages: list[tuple[str, dict]]) -> None:
    """(group, payload) pairs, sent in one pass through the event loop (each
    async_to_sync call costs a hop to another thread and back)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        for group, payload in messages:
            await layer.group_send(group, {"type": "okno.push", "payload": payload})

    async_to_sync(send_all)()


def broadcast_ticket_events(events) -> None:
    by_ticket: dict[int, list[str]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event.kind)
    messages = []
    for number, kinds in by_ticket.items():
        payload = {"type": "ticket.changed", "ticket": number, "kinds": sorted(set(kinds))}
        messages += [(ticket_group(number), payload), (LIST_GROUP, payload)]
    send_to_groups(messages)
