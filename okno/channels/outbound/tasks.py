"""Queued outbound work. Everything here runs in the worker, after the commit that
saved the reply, so a slow or broken SMTP server never holds up an agent."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from okno.channels.models import DeliveryStatus
from okno.channels.outbound.delivery import (
    deliveries_overdue,
    delivery_attempt,
    delivery_for_acknowledgement,
    delivery_for_reply,
)
from okno.tickets.models import Message, Ticket


def _try(delivery_id: int) -> None:
    delivery = delivery_attempt(delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.RETRYING:
        wait = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 1)
        deliver.schedule(args=(delivery_id,), delay=wait)


@db_task()
def deliver(delivery_id: int) -> None:
    _try(delivery_id)


@db_task()
def send_reply(message_id: int) -> None:
    message = Message.objects.select_related("ticket", "ticket__contact").filter(pk=message_id)
    message = message.first()
    delivery = delivery_for_reply(message) if message is not None else None
    if delivery is not None:
        _try(delivery.pk)


@db_task()
def send_acknowledgement(ticket_number: int) -> None:
    ticket = Ticket.objects.select_related("contact").filter(number=ticket_number).first()
    delivery = delivery_for_acknowledgement(ticket) if ticket is not None else None
    if delivery is not None:
        _try(delivery.pk)


@db_periodic_task(crontab(minute="*/5"))
def deliveries_sweep() -> None:
    """A safety net for retries the queue lost (a flushed Redis, a dead worker)."""
    for delivery_id in deliveries_overdue():
        deliver(delivery_id)
