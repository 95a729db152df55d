"""Inbound messenger traffic: raw first, idempotent, then processed in order.

1. Store (in the webhook request, after the signature check): each item of the body
   becomes an `InboundEnvelope` keyed "<kind>:<connector>:<provider id>". A repeated
   key is a duplicate delivery and is dropped by the unique constraint.
2. Drain (in the worker): a connector's received envelopes are processed in arrival
   order, each in its own transaction holding the envelope's row lock: parse, fetch
   media (network, before the transaction), hand the message to `conversations`, mark
   processed. A failure leaves the envelope "failed" with the error; the sweep retries
   it with a growing wait, up to MAX_ATTEMPTS.
"""

import datetime as dt
import logging
import traceback

from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from okno.channels.messengers.conversations import receive_message
from okno.channels.messengers.types import adapter_for
from okno.channels.models import Connector, EnvelopeState, InboundEnvelope
from okno.tickets.services import AttachmentInput

log = logging.getLogger("okno.channels.messengers")

MAX_ATTEMPTS = 6
DRAIN_BATCH = 200
LOST_AFTER = dt.timedelta(minutes=2)  # a received envelope no task picked up


def envelope_key(connector: Connector, key: str) -> str:
    return f"{connector.kind}:{connector.pk}:{key}"[:300]


def store_items(connector: Connector, items: list[tuple[str, bytes]]) -> int:
    """Store a verified webhook's items; the number of new ones (duplicates dropped)."""
    if not items:
        return 0
    rows = {envelope_key(connector, key): raw for key, raw in items}
    known = set(
        InboundEnvelope.objects.filter(idempotency_key__in=list(rows)).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh = [
        InboundEnvelope(
            channel=connector.kind,
            connector=connector,
            idempotency_key=key,
            raw=raw,
            size=len(raw),
        )
        for key, raw in rows.items()
        if key not in known
    ]
    # ignore_conflicts: a twin delivery racing this one between the probe and here.
    InboundEnvelope.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def store_rejected(connector: Connector, body: bytes, reason: str) -> None:
    """A signed body we could not split: kept, failed, for a person to look at."""
    import hashlib

    key = envelope_key(connector, "unreadable:" + hashlib.sha256(body).hexdigest())
    InboundEnvelope.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "channel": connector.kind,
            "connector": connector,
            "raw": body,
            "size": len(body),
            "state": EnvelopeState.FAILED,
            "error": reason[:10000],
            "attempts": MAX_ATTEMPTS,
        },
    )


def drain(connector_id: int, limit: int = DRAIN_BATCH) -> int:
    """Process a connector's waiting envelopes in arrival order; how many were taken."""
    ids = list(
        InboundEnvelope.objects.filter(connector_id=connector_id, state=EnvelopeState.RECEIVED)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for envelope_id in ids:
        process_envelope(envelope_id)
    return len(ids)


def process_envelope(envelope_id: int) -> InboundEnvelope | None:
    envelope = InboundEnvelope.objects.select_related("connector").filter(pk=envelope_id).first()
    if envelope is None or envelope.state not in (EnvelopeState.RECEIVED, EnvelopeState.FAILED):
        return envelope
    connector = envelope.connector
    try:
        adapter = adapter_for(envelope.channel)
        raw = envelope.raw_bytes()
        if adapter.process is not None:
            return _process_own(adapter, connector, envelope_id, raw)
        inbound = adapter.parse(connector, raw)
        attachments = []
        if inbound is not None:  # downloads happen before any row is locked
            for media in inbound.media:
                media = media if media.data is not None else adapter.fetch_media(connector, media)
                attachments.append(
                    AttachmentInput(
                        filename=media.filename,
                        content_type=media.content_type,
                        data=media.data or b"",
                    )
                )
        with transaction.atomic():
            locked = InboundEnvelope.objects.select_for_update().get(pk=envelope_id)
            if locked.state not in (EnvelopeState.RECEIVED, EnvelopeState.FAILED):
                return locked
            if inbound is None:
                _finish(locked, EnvelopeState.IGNORED, reason="no customer message")
                return locked
            ticket, message, created = receive_message(
                connector=connector, inbound=inbound, attachments=attachments
            )
            _finish(
                locked, EnvelopeState.PROCESSED, ticket=ticket, message=message, created=created
            )
            Connector.objects.filter(pk=connector.pk).update(last_activity_at=timezone.now())
        return locked
    except Exception as exc:
        log.warning("inbound %s envelope %s failed: %s", envelope.channel, envelope_id, exc)
        error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        try:
            InboundEnvelope.objects.filter(pk=envelope_id).update(
                state=EnvelopeState.FAILED, error=error[:10000], attempts=F("attempts") + 1
            )
        except DatabaseError:  # the database went away: it stays "received" for the sweep
            log.exception("could not mark envelope %s failed", envelope_id)
        return InboundEnvelope.objects.filter(pk=envelope_id).first()


def _process_own(adapter, connector: Connector, envelope_id: int, raw: bytes):
    """An adapter that does its own processing (see Adapter.process); exceptions go to
    the caller, which marks the envelope failed for the sweep."""
    with transaction.atomic():
        locked = InboundEnvelope.objects.select_for_update().get(pk=envelope_id)
        if locked.state not in (EnvelopeState.RECEIVED, EnvelopeState.FAILED):
            return locked
        ticket, message, created = adapter.process(connector, raw)
        state = EnvelopeState.PROCESSED if ticket is not None else EnvelopeState.IGNORED
        _finish(locked, state, ticket=ticket, message=message, created=created)
        Connector.objects.filter(pk=connector.pk).update(last_activity_at=timezone.now())
    return locked


def _finish(envelope, state, *, reason="", ticket=None, message=None, created=False) -> None:
    envelope.state = state
    envelope.error = reason
    envelope.ticket = ticket
    envelope.message = message
    envelope.created_ticket = created
    envelope.attempts += 1
    envelope.processed_at = timezone.now()
    envelope.save(
        update_fields=[
            "state",
            "error",
            "ticket",
            "message",
            "created_ticket",
            "attempts",
            "processed_at",
        ]
    )


def retry_wait(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=2**attempts)  # 2, 4, 8, ... minutes


def envelopes_due(now=None, limit: int = 500) -> list[int]:
    """Envelopes the sweep should take: lost received ones and failed ones whose
    wait is over (see retry_wait), oldest first."""
    now = now or timezone.now()
    lost = Q(state=EnvelopeState.RECEIVED, received_at__lte=now - LOST_AFTER)
    failed = Q(state=EnvelopeState.FAILED, attempts__lt=MAX_ATTEMPTS)
    rows = (
        InboundEnvelope.objects.filter(connector__isnull=False)
        .filter(lost | failed)
        .order_by("id")
        .values_list("id", "state", "attempts", "received_at")[:limit]
    )
    due = []
    for envelope_id, state, attempts, received_at in rows:
        if state == EnvelopeState.RECEIVED or received_at + retry_wait(attempts) <= now:
            due.append(envelope_id)
    return due
