"""Retries on the documented schedule, automatic disabling, 410 Gone."""

import datetime as dt

import time_machine

from okno.webhooks.delivery import DISABLE_AFTER, MAX_ATTEMPTS, attempt_delivery
from okno.webhooks.models import Delivery, DeliveryState
from okno.webhooks.services import enqueue_event, subscription_update
from okno.webhooks.tasks import deliver

T0 = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)
MINUTES = [1, 5, 15, 60, 180, 360, 720, 1440]


def test_a_500_is_retried_with_backoff_until_a_200(world, receiver, subscribe):
    sub, _secret = subscribe()
    receiver.answer(500, b"<b>boom</b>")
    receiver.answer(503)
    with time_machine.travel(T0, tick=False):
        (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
        deliver(delivery.pk)  # the queue's first try (immediate mode: inline)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.attempt == 1
    assert delivery.status_code == 500 and delivery.response_body == "<b>boom</b>"
    assert delivery.next_retry_at == T0 + dt.timedelta(minutes=1)
    # Not due yet: nothing is sent.
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        assert attempt_delivery(delivery.pk) is None
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status_code == 503 and delivery.attempt == 2
    assert delivery.next_retry_at == T0 + dt.timedelta(minutes=5)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempt == 3
    assert delivery.next_retry_at is None and delivery.status_code == 200
    assert [h["status"] for h in delivery.history] == [500, 503, 200]
    # The same delivery (same id, same body) each time.
    bodies = {r["body"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(bodies) == 1
    assert {r["headers"]["X-Okno-Delivery"] for r in receiver.requests} == {str(delivery.uuid)}
    sub.refresh_from_db()
    assert sub.failure_count == 0 and sub.disabled_at is None


def run_to_the_end(delivery) -> Delivery:
    """Every try of a failing delivery, each at its scheduled time."""
    with time_machine.travel(delivery.created_at, tick=False):
        deliver(delivery.pk)
    for minutes in MINUTES:
        delivery.refresh_from_db()
        if delivery.state != DeliveryState.PENDING:
            break
        assert delivery.next_retry_at == delivery.created_at + dt.timedelta(minutes=minutes)
        with time_machine.travel(delivery.next_retry_at, tick=False):
            deliver(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_retries_stop_after_24_hours_and_five_such_deliveries_disable(world, receiver, subscribe):
    sub, _secret = subscribe()
    receiver.script = [(500, {}, b"down")] * (MAX_ATTEMPTS * DISABLE_AFTER)
    for n in range(DISABLE_AFTER):
        with time_machine.travel(T0 + dt.timedelta(days=2 * n), tick=False):
            (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
        delivery = run_to_the_end(delivery)
        assert delivery.state == DeliveryState.FAILED and delivery.attempt == MAX_ATTEMPTS
        assert delivery.next_retry_at is None
        sub.refresh_from_db()
        assert sub.failed_deliveries == n + 1
        assert (sub.disabled_at is None) == (n + 1 < DISABLE_AFTER)
    assert len(receiver.requests) == MAX_ATTEMPTS * DISABLE_AFTER
    assert sub.failure_count == MAX_ATTEMPTS * DISABLE_AFTER
    assert "5 deliveries in a row failed" in sub.disabled_reason
    # A disabled subscription gets nothing more.
    assert enqueue_event(None, "ticket.created", world.ticket_a) == []
    # Turning it on again starts afresh.
    sub = subscription_update(actor=world.admin, subscription=sub, active=True)
    assert sub.disabled_at is None and sub.failure_count == 0 and sub.disabled_reason == ""


def test_a_success_resets_the_failure_streak(world, receiver, subscribe):
    sub, _secret = subscribe()
    receiver.answer(500)
    with time_machine.travel(T0, tick=False):
        (first,) = enqueue_event(None, "ticket.created", world.ticket_a)
        deliver(first.pk)
    sub.refresh_from_db()
    assert sub.failure_count == 1
    with time_machine.travel(T0, tick=False):
        (second,) = enqueue_event(None, "ticket.created", world.ticket_b)
        deliver(second.pk)
    sub.refresh_from_db()
    assert sub.failure_count == 0


def test_410_gone_disables_at_once(world, receiver, subscribe):
    sub, _secret = subscribe()
    receiver.answer(410, b"gone")
    (delivery,) = enqueue_event(None, "ticket.created", world.ticket_a)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    sub.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempt == 1
    assert sub.disabled_at is not None and "410" in sub.disabled_reason
    # Its other pending deliveries stop too, without another request.
    pending = Delivery.objects.create(
        subscription=sub, url=sub.url, event="ticket.created", payload={"id": "x"}
    )
    attempt_delivery(pending.pk)
    pending.refresh_from_db()
    assert pending.state == DeliveryState.FAILED and "turned off" in pending.error
    assert len(receiver.requests) == 1


def test_a_dead_port_is_a_retryable_network_error(world, subscribe):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sub, _secret = subscribe(url=f"http://127.0.0.1:{port}/")
    (delivery,) = enqueue_event(sub, "ticket.created", world.ticket_a)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.status_code is None
    assert delivery.error and delivery.next_retry_at is not None


def test_a_disabled_subscription_gets_no_more_events(
    world, receiver, subscribe, django_assert_num_queries
):
    """The active subscriptions are kept per process (no query per batch of events
    with a warm catalog); disabling one (an update, no signal) reaches them at once."""
    from okno.tickets.models import TicketEvent
    from okno.webhooks.delivery import deliver_events

    sub, _secret = subscribe()
    created = list(TicketEvent.objects.filter(ticket=world.ticket_a, kind="created"))
    assert deliver_events([]) == []  # loads the catalog
    with django_assert_num_queries(0):
        deliver_events([])
    receiver.answer(410, b"gone")
    (delivery,) = deliver_events(created)
    deliver(delivery.pk)
    sub.refresh_from_db()
    assert sub.disabled_at is not None
    later = list(TicketEvent.objects.filter(ticket=world.ticket_b, kind="created"))
    assert later and deliver_events(later) == []
