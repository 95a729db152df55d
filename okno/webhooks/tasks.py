"""Queued webhook work: each delivery's tries, and the safety-net sweep."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from okno.webhooks.delivery import attempt_delivery, deliveries_overdue, deliveries_prune
from okno.webhooks.models import DeliveryState


@db_task()
def deliver(delivery_id: int) -> None:
    delivery = attempt_delivery(delivery_id)
    if delivery is not None and delivery.state == DeliveryState.PENDING:
        wait = (delivery.next_retry_at - timezone.now()).total_seconds()
        deliver.schedule(args=(delivery_id,), delay=max(wait, 1))


@db_periodic_task(crontab(minute="*/5"))
def deliveries_sweep() -> None:
    """Retries the queue lost (a flushed Redis, a dead worker mid-try)."""
    for delivery_id in deliveries_overdue():
        deliver(delivery_id)


@db_periodic_task(crontab(minute="17", hour="3"))
def deliveries_cleanup() -> None:
    deliveries_prune(days=30)
