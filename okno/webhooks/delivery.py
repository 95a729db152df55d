"""Making deliveries, trying them, recording every try and deciding about retries.

A try, step by step:
1. Claim: one conditional UPDATE takes a pending delivery that is due, counts the
   attempt and pushes next_retry_at STALE_CLAIM ahead, so a second worker finds
   nothing to take (and a worker that dies mid-try is retried by the sweep).
2. Send outside any transaction (a slow receiver must not hold a database lock).
3. Record: 2xx succeeds; 410 Gone fails and disables the subscription at once; a
   refusal by the SSRF guard fails at once (retrying cannot help); anything else
   retries on SCHEDULE (about 24 h in all), then fails. DISABLE_AFTER deliveries in
   a row that used up their retries disable the subscription.
"""

import datetime as dt
import logging
import time
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.tickets.catalog import catalog, catalog_changed, register
from okno.webhooks import client, payloads
from okno.webhooks.events import TEST_EVENT, outgoing_for
from okno.webhooks.models import Delivery, DeliveryState, Subscription
from okno.webhooks.signing import sign

log = logging.getLogger("okno.webhooks")

# Retry times, counted from the delivery's creation: try 2 after 1 minute, …, the
# last (9th) try 24 hours after the event.
SCHEDULE = [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 3 * 60, 6 * 60, 12 * 60, 24 * 60)]
MAX_ATTEMPTS = len(SCHEDULE) + 1
DISABLE_AFTER = 5  # deliveries in a row that exhausted their retries
STALE_CLAIM = dt.timedelta(minutes=15)
USER_AGENT = "Okno-Webhooks/1"


# --- making deliveries ----------------------------------------------------------------


def _create(*, subscription, url, event, payload_for, ticket_number=None, dedup="", **extra):
    """One Delivery row (skipped when its dedup key was already delivered)."""
    delivery_uuid = uuid.uuid4()
    payload = payload_for(str(delivery_uuid))
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                uuid=delivery_uuid,
                subscription=subscription,
                url=url,
                event=event[:40],
                ticket_number=ticket_number,
                dedup_key=dedup[:80],
                payload=payload,
                **extra,
            )
    except IntegrityError:  # the handler ran again for the same events
        return None
    transaction.on_commit(lambda: _queue(delivery.pk))
    return delivery


def _queue(delivery_id: int) -> None:
    from okno.webhooks.tasks import deliver

    try:
        deliver(delivery_id)
    except Exception:  # the queue being down leaves the row for the sweep
        log.exception("could not queue webhook delivery %s", delivery_id)


def _active():
    return Subscription.objects.filter(active=True, disabled_at__isnull=True)


# The active subscriptions, kept in the per-process catalog for `deliver_events`
# (every batch of events asks): reloaded when one is saved or deleted, or disabled
# here. Read only; their failure counters there are not kept current (not read).
SUBSCRIPTIONS = "webhook_subscriptions"


def connect_signals() -> None:
    register(SUBSCRIPTIONS, lambda: list(_active()), [Subscription])


def enqueue_event(subscription, event_name: str, ticket, payload_extra=None) -> list[Delivery]:
    """Send `event_name` about `ticket` to one subscription (a trigger's choice, sent
    even if it did not list the event) or, given None, to every active subscription
    that lists it. `payload_extra` keys are added to the documented payload."""
    if subscription is not None:
        targets = [subscription] if subscription.active and not subscription.disabled_at else []
    else:
        targets = [s for s in _active() if event_name in s.events]
    if ticket is not None:
        ticket = payloads.ticket_queryset().get(number=ticket.number)
    made = []
    for sub in targets:
        delivery = _create(
            subscription=sub,
            url=sub.url,
            event=event_name,
            ticket_number=ticket.number if ticket is not None else None,
            payload_for=lambda did: payloads.build(
                delivery_id=did, event=event_name, ticket=ticket, extra=payload_extra
            ),
        )
        if delivery is not None:
            made.append(delivery)
    return made


def deliver_events(events) -> list[Delivery]:
    """Deliveries for committed TicketEvent rows to every subscription that wants them."""
    from okno.tickets.models import Message

    subscriptions = catalog(SUBSCRIPTIONS)[SUBSCRIPTIONS]
    if not subscriptions:
        return []
    wanted = {name for s in subscriptions for name in s.events}
    items = [o for o in outgoing_for(events) if o.event in wanted]
    tickets = payloads.ticket_queryset().in_bulk({o.ticket_id for o in items})
    message_ids = {o.message_id for o in items if o.message_id}
    messages = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .in_bulk(message_ids)
    )
    made = []
    for item in items:
        ticket = tickets.get(item.ticket_id)
        if ticket is None:
            continue
        for sub in subscriptions:
            if item.event not in sub.events:
                continue
            if item.internal and item.event == "message.created" and not sub.include_internal:
                continue
            delivery = _create(
                subscription=sub,
                url=sub.url,
                event=item.event,
                ticket_number=ticket.number,
                dedup=f"{item.event}:{item.first_event_id}",
                payload_for=lambda did, item=item, ticket=ticket: payloads.build(
                    delivery_id=did,
                    event=item.event,
                    ticket=ticket,
                    changes=item.changes,
                    message=messages.get(item.message_id),
                    actor=item.actor,
                    extra=item.data,
                ),
            )
            if delivery is not None:
                made.append(delivery)
    return made


def send_to_url(
    url: str, payload: dict, secret: str = "", *, event: str = "trigger", allow_private_hosts=()
) -> Delivery:
    """A delivery to a bare URL (a trigger's "call a webhook" with a URL), with the
    same guard, retries and log. The body is {"id", "event", "created_at"} plus
    `payload`; it is signed when a secret is given."""
    from okno.webhooks.services import clean_hosts, clean_url

    hosts = clean_hosts(allow_private_hosts)
    url = clean_url(url, hosts)

    def body(delivery_id: str) -> dict:
        return {
            **(payload or {}),
            "id": delivery_id,
            "event": event,
            "created_at": timezone.now().isoformat(),
        }

    ticket = (payload or {}).get("ticket") or {}
    number = ticket.get("number") if isinstance(ticket, dict) else None
    return _create(
        subscription=None,
        url=url,
        event=event,
        payload_for=body,
        ticket_number=number if isinstance(number, int) else None,
        secret=secret or "",
        allow_private_hosts=hosts,
    )


def send_test(*, actor, subscription: Subscription) -> Delivery:
    """A "ping" to check the endpoint and its signature check; sent even when the
    subscription is off, and never counted against it."""
    return _create(
        subscription=subscription,
        url=subscription.url,
        event=TEST_EVENT,
        payload_for=lambda did: payloads.build(
            delivery_id=did,
            event=TEST_EVENT,
            ticket=None,
            actor={"type": "user", "id": actor.pk, "name": actor.name},
            extra={"webhook": {"id": subscription.pk, "name": subscription.name}},
        ),
    )


# --- trying them ------------------------------------------------------------------------


def _claim(delivery_id: int, now) -> Delivery | None:
    due = Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now)
    taken = (
        Delivery.objects.filter(due, pk=delivery_id, state=DeliveryState.PENDING)
        .exclude(attempt__gte=MAX_ATTEMPTS)
        .update(attempt=F("attempt") + 1, next_retry_at=now + STALE_CLAIM, last_attempt_at=now)
    )
    if not taken:
        return None
    return Delivery.objects.select_related("subscription").get(pk=delivery_id)


def attempt_delivery(delivery_id: int) -> Delivery | None:
    """Try a pending delivery that is due; None when there was nothing to try."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    sub = delivery.subscription
    is_test = delivery.event == TEST_EVENT
    if sub is not None and not is_test and (not sub.active or sub.disabled_at):
        _record(delivery, error=_("The webhook is turned off."), final=True, counted=False)
        return delivery
    url = sub.url if sub is not None else delivery.url
    secret = sub.secret if sub is not None else delivery.secret
    hosts = sub.allow_private_hosts if sub is not None else delivery.allow_private_hosts
    body = payloads.encode(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Okno-Event": delivery.event,
        "X-Okno-Delivery": str(delivery.uuid),
        "X-Okno-Timestamp": str(timestamp),
    }
    if secret:
        headers["X-Okno-Signature"] = sign(secret, timestamp, body)
    started = time.monotonic()
    try:
        answer = client.post(url, body, headers, allow_hosts=hosts)
    except client.SendError as error:
        took = int((time.monotonic() - started) * 1000)
        _record(delivery, error=error.message, duration=took, final=error.refused)
        return delivery
    took = int((time.monotonic() - started) * 1000)
    ok = 200 <= answer.status < 300
    error = "" if ok else _("The endpoint answered %(code)s.") % {"code": answer.status}
    _record(
        delivery,
        status=answer.status,
        body=answer.body,
        error=error,
        duration=took,
        ok=ok,
        final=answer.status == 410,
        gone=answer.status == 410,
    )
    return delivery


def _record(
    delivery: Delivery,
    *,
    status=None,
    body="",
    error="",
    duration=None,
    ok=False,
    final=False,
    gone=False,
    counted=True,
) -> None:
    now = timezone.now()
    delivery.status_code, delivery.response_body = status, body.replace("\x00", "")
    delivery.error, delivery.duration_ms = str(error)[:500], duration
    delivery.history = [
        *delivery.history,
        {"at": now.isoformat(), "status": status, "error": delivery.error, "ms": duration},
    ][-MAX_ATTEMPTS:]
    if ok:
        delivery.state, delivery.next_retry_at = DeliveryState.SUCCEEDED, None
    elif final or delivery.attempt >= MAX_ATTEMPTS:
        delivery.state, delivery.next_retry_at = DeliveryState.FAILED, None
    else:
        delivery.next_retry_at = max(delivery.created_at + SCHEDULE[delivery.attempt - 1], now)
    delivery.save()
    sub = delivery.subscription
    if sub is None or delivery.event == TEST_EVENT or not counted:
        return
    subs = Subscription.objects.filter(pk=sub.pk)
    if ok:
        subs.update(failure_count=0, failed_deliveries=0)
        return
    subs.update(failure_count=F("failure_count") + 1)
    if gone:
        _disable(sub, _("The endpoint answered 410 Gone."))
    elif delivery.state == DeliveryState.FAILED:
        subs.update(failed_deliveries=F("failed_deliveries") + 1)
        if subs.filter(failed_deliveries__gte=DISABLE_AFTER).exists():
            _disable(
                sub,
                _("%(n)s deliveries in a row failed after all retries; the last error: %(e)s")
                % {"n": DISABLE_AFTER, "e": delivery.error},
            )


def _disable(sub: Subscription, reason: str) -> None:
    Subscription.objects.filter(pk=sub.pk, disabled_at__isnull=True).update(
        disabled_at=timezone.now(), disabled_reason=str(reason)[:300]
    )
    catalog_changed()  # an update(): no signal tells the catalog
    log.warning("webhook %s disabled: %s", sub.pk, reason)


def deliveries_overdue(now=None) -> list[int]:
    """Pending deliveries whose retry the queue should have run by now."""
    now = now or timezone.now()
    late = now - dt.timedelta(minutes=2)
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_retry_at__lte=late).values_list(
            "pk", flat=True
        )[:500]
    )


def deliveries_prune(*, days: int = 30) -> int:
    cutoff = timezone.now() - dt.timedelta(days=days)
    old = Delivery.objects.filter(created_at__lt=cutoff).exclude(state=DeliveryState.PENDING)
    return old.delete()[0]
