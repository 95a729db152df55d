"""Reacting to committed ticket events (registered in settings.OKNO_EVENT_HANDLERS):
queue a delivery for every subscription that wants them."""

from okno.webhooks.delivery import deliver_events


def on_ticket_events(events) -> None:
    deliver_events(events)
