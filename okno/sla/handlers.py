"""Reacting to committed ticket events (see okno/core/events.py)."""


def handle_ticket_events(events) -> None:
    return None
