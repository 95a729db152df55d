"""Inbound messenger traffic: raw first, idempotent, then processed in order.

1. Store (in the webhook request, after the signature check): each item of the body
   becomes an `InboundEnvelope` keyed "<kind>:<connector>:<provider id>". A repeated
   key is a duplicate delivery and is dropped by the unique constraint.
2. Drain (in the worker): a connector's received envelopes are processed in arrival
   order: parsed and their media fetched (network, before any transaction), then in
   batches under the envelopes' row locks, each message in its own savepoint, handed
   to `conversations` (or to the adapter's own `process`) and marked processed. A
   failure leaves that envelope "failed" with the error; the sweep retries it with a
   growing wait, up to MAX_ATTEMPTS.
"""

import datetime as dt
import logging
import traceback
from contextlib import nullcontext

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from okno.channels.messengers.conversations import receive_message, receive_messages
from okno.channels.messengers.types import adapter_for
from okno.channels.models import (
    ENVELOPE_OUTCOME_FIELDS,
    Connector,
    EnvelopeState,
    InboundEnvelope,
)
from okno.core.events import batched_dispatch
from okno.tickets.services import AttachmentInput
from okno.tickets.services.lifecycle import cached_statuses

log = logging.getLogger("okno.channels.messengers")

MAX_ATTEMPTS = 6
DRAIN_BATCH = 200
TRANSACTION_BATCH = 25
LOST_AFTER = dt.timedelta(minutes=2)  # a received envelope no task picked up
FINISH_FIELDS = ENVELOPE_OUTCOME_FIELDS


def envelope_key(connector: Connector, key: str) -> str:
    return f"{connector.kind}:{connector.pk}:{key}"[:300]


def store_items(connector: Connector, items: list[tuple[str, bytes]]) -> int:
    """Store a verified webhook's items; the number of new ones (duplicates dropped)."""
    if not items:
        return 0
    rows = {envelope_key(connector, key): raw for key, raw in items}
    if len(rows) == 1:  # the usual webhook: one INSERT, one round trip
        ((key, raw),) = rows.items()
        # In autocommit a failed INSERT needs no savepoint (and one would cost two
        # more round trips); inside a caller's transaction it does.
        guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
        try:
            with guard:
                InboundEnvelope.objects.create(
                    channel=connector.kind,
                    connector=connector,
                    idempotency_key=key,
                    raw=raw,
                    size=len(raw),
                )
        except IntegrityError:  # the unique key: a duplicate delivery
            return 0
        return 1
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
    """Process a connector's waiting envelopes in arrival order; how many were taken.

    They go TRANSACTION_BATCH to a transaction, each in a savepoint of its own, so a
    busy chat costs one commit per batch instead of one per message; ticket events
    are queued in batches too (see okno.core.events.batched_dispatch)."""
    envelopes = list(
        InboundEnvelope.objects.filter(connector_id=connector_id, state=EnvelopeState.RECEIVED)
        .select_related("connector__group")
        .order_by("id")[:limit]
    )
    # Like a bulk import: default statuses read once per drain, not once per new ticket.
    with batched_dispatch(), cached_statuses():
        for start in range(0, len(envelopes), TRANSACTION_BATCH):
            _process_batch(envelopes[start : start + TRANSACTION_BATCH])
    return len(envelopes)


def process_envelope(envelope_id: int) -> InboundEnvelope | None:
    """Process one envelope (a retry, or one the sweep found); gives it back."""
    envelope = InboundEnvelope.objects.select_related("connector").filter(pk=envelope_id).first()
    if envelope is None or envelope.state not in (EnvelopeState.RECEIVED, EnvelopeState.FAILED):
        return envelope
    _process_batch([envelope], states=(EnvelopeState.RECEIVED, EnvelopeState.FAILED))
    return InboundEnvelope.objects.filter(pk=envelope_id).first()


def _prepare(envelope: InboundEnvelope):
    """Parse and download, before any row is locked: (adapter, raw, message, files)."""
    adapter = adapter_for(envelope.channel)
    raw = envelope.raw_bytes()
    if adapter.process is not None:  # the adapter does its own processing
        return adapter, raw, None, []
    inbound = adapter.parse(envelope.connector, raw)
    attachments = []
    for media in inbound.media if inbound is not None else ():
        if media.data is None:
            media = adapter.fetch_media(envelope.connector, media)
        attachments.append(
            AttachmentInput(
                filename=media.filename, content_type=media.content_type, data=media.data or b""
            )
        )
    return adapter, raw, inbound, attachments


def _process_batch(envelopes: list[InboundEnvelope], states=(EnvelopeState.RECEIVED,)) -> None:
    prepared = {}
    for envelope in envelopes:
        try:
            prepared[envelope.pk] = _prepare(envelope)
        except Exception as exc:
            prepared[envelope.pk] = exc
    try:
        with transaction.atomic():
            # Taken by nobody else meanwhile (a twin drain, the sweep): lock and re-check.
            live = set(
                InboundEnvelope.objects.select_for_update()
                .filter(pk__in=[e.pk for e in envelopes], state__in=states)
                .values_list("pk", flat=True)
            )
            taken = [e for e in envelopes if e.pk in live]
            done = _process_appends(taken, prepared)
            for envelope in taken:
                if envelope.pk not in done:
                    _process_one(envelope, prepared[envelope.pk])
            if live:
                Connector.objects.filter(pk=envelopes[0].connector_id).update(
                    last_activity_at=timezone.now()
                )
    except DatabaseError:  # the database went away: they stay as they were, for the sweep
        log.exception("inbound batch of %s envelopes could not be processed", len(envelopes))


def _process_appends(envelopes: list[InboundEnvelope], prepared: dict) -> set[int]:
    """Messages that only append to their chat's open ticket, in bulk (see
    conversations.receive_messages); the ids of the envelopes it finished. The rest
    (and all, should the bulk step fail) go one by one, each in its own savepoint."""
    messages = [
        (envelope, prepared[envelope.pk][2])
        for envelope in envelopes
        if not isinstance(prepared[envelope.pk], Exception)
        and prepared[envelope.pk][0].process is None
        and prepared[envelope.pk][2] is not None
    ]
    if len(messages) < 2:
        return set()
    try:
        with transaction.atomic():
            finished = []
            results = receive_messages(
                connector=envelopes[0].connector, inbounds=[m for _e, m in messages]
            )
            for (envelope, _message), result in zip(messages, results, strict=True):
                if result is not None:
                    ticket, message, _created = result
                    _finish(envelope, EnvelopeState.PROCESSED, ticket=ticket, message=message)
                    finished.append(envelope)
            InboundEnvelope.objects.bulk_update(finished, FINISH_FIELDS)
    except Exception:
        log.exception("inbound batch could not be appended in bulk; one by one instead")
        for envelope in finished:  # rolled back: as stored, for the one-by-one path
            envelope.refresh_from_db(fields=FINISH_FIELDS)
        return set()
    return {envelope.pk for envelope in finished}


def _process_one(envelope: InboundEnvelope, prepared) -> None:
    try:
        if isinstance(prepared, Exception):
            raise prepared
        adapter, raw, inbound, attachments = prepared
        with transaction.atomic():  # a savepoint: a failure undoes this message only
            if adapter.process is not None:
                result = adapter.process(envelope.connector, raw)
            elif inbound is not None:
                result = receive_message(
                    connector=envelope.connector, inbound=inbound, attachments=attachments
                )
            else:
                result = None
            if result is None:
                _finish(envelope, EnvelopeState.IGNORED, reason="no customer message")
            else:
                ticket, message, created = result
                _finish(
                    envelope,
                    EnvelopeState.PROCESSED,
                    ticket=ticket,
                    message=message,
                    created=created,
                )
            envelope.save(update_fields=FINISH_FIELDS)
    except Exception as exc:
        log.warning("inbound %s envelope %s failed: %s", envelope.channel, envelope.pk, exc)
        error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        InboundEnvelope.objects.filter(pk=envelope.pk).update(
            state=EnvelopeState.FAILED, error=error[:10000], attempts=F("attempts") + 1
        )


def _finish(envelope, state, *, reason="", ticket=None, message=None, created=False) -> None:
    """Record the outcome on the envelope; the caller saves FINISH_FIELDS."""
    envelope.state = state
    envelope.error = reason
    envelope.ticket = ticket
    envelope.message = message
    envelope.created_ticket = created
    envelope.attempts += 1
    envelope.processed_at = timezone.now()


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
