"""Importing many messages from a source that keeps them (an mbox file): batches.

A batch (BATCH_SIZE messages, BATCH_BYTES of raw mail or BATCH_SECONDS, whichever
comes first) is one transaction; each message in it is stored and processed in a
savepoint of its own. A message that fails rolls back its savepoint alone and is
stored, in the same batch, as a "failed" envelope with its error (retryable from the
admin list), so one broken message never holds up the ones after it.

Results are handed back only after their batch committed, and on SQLite the import's
commits are synced to disk (synchronous=FULL for this connection, one sync per
batch): a message reported as imported is durable. A `kill -9` loses at most the
batch in flight, which the next run imports (it finds every committed message by its
idempotency key and imports nothing twice).

The batch reads at once what each message would look up alone: which envelopes are
stored already, and which Message-IDs a stored message has. Search indexing is left
to the worker, one task per batch (the lemmatizer's dictionaries take seconds to
load, and the import goes on meanwhile).
"""

import logging
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from okno.channels.email import ingest, route
from okno.channels.email.parse_worker import parse_many, parsing_process
from okno.channels.email.types import ParsedEmail
from okno.channels.models import EnvelopeState, InboundEnvelope, Mailbox, OutboundMessageId
from okno.contacts.services import contacts_save_bulk
from okno.tickets.models import Channel, Message
from okno.tickets.search import indexing_deferred
from okno.tickets.services.bulk import NewTicket, tickets_open_bulk

log = logging.getLogger("okno.channels.email")

BATCH_SIZE = 100
BATCH_BYTES = 16 * 1024 * 1024
BATCH_SECONDS = 1.0


@dataclass
class BatchOutcome:
    """One committed batch: a result per stored message, the errors of those that
    could not be stored at all (the database refused even the envelope)."""

    results: list[ingest.IngestResult] = field(default_factory=list)
    not_stored: list[str] = field(default_factory=list)


def import_messages(
    raws: Iterable[bytes],
    *,
    mailbox: Mailbox | None,
    batch_size: int = BATCH_SIZE,
    parse_ahead: bool = True,
) -> Iterator[BatchOutcome]:
    """Import every message of `raws`, yielding each batch once it is committed.

    `parse_ahead`: parse the next batch in a second process while this one writes
    (on a machine with one core it only adds the copying)."""
    with ExitStack() as stack:
        stack.enter_context(ingest.bulk())
        numbers = stack.enter_context(indexing_deferred())
        stack.enter_context(_synced_commits())
        chunks = _chunks(raws, batch_size)
        if parse_ahead and (os.cpu_count() or 1) > 1:
            pairs = _parsed_ahead(chunks, stack.enter_context(parsing_process()))
        else:
            pairs = ((chunk, parse_many(chunk)) for chunk in chunks)
        for chunk, parsed in pairs:
            outcome = _import_batch(chunk, parsed, mailbox)
            if numbers:
                ingest.queue_indexing(sorted(numbers))
                numbers.clear()
            yield outcome


def _parsed_ahead(chunks: Iterator[list[bytes]], worker: Executor):
    """(chunk, its ParsedEmails) pairs; the next chunk parses in `worker` meanwhile."""
    pending = None
    for chunk in chunks:
        future = worker.submit(parse_many, chunk)
        if pending is not None:
            yield _collect(*pending)
        pending = chunk, future
    if pending is not None:
        yield _collect(*pending)


def _collect(chunk: list[bytes], future: Future):
    try:
        return chunk, future.result()
    except Exception as exc:  # the worker died (out of memory?): parse here
        log.warning("parsing process failed, parsing in the importer: %s", exc)
        return chunk, parse_many(chunk)


def _chunks(raws: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    weight, began = 0, time.monotonic()
    for raw in raws:
        chunk.append(raw)
        weight += len(raw)
        if len(chunk) >= size or weight >= BATCH_BYTES or time.monotonic() - began >= BATCH_SECONDS:
            yield chunk
            chunk, weight, began = [], 0, time.monotonic()
    if chunk:
        yield chunk


@contextmanager
def _synced_commits():
    """SQLite's WAL with synchronous=NORMAL (our default) may lose the last commits
    when the machine (not the process) dies; FULL syncs each commit: once per batch."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")


def _import_batch(
    chunk: list[bytes], parsed: list[ParsedEmail | Exception], mailbox: Mailbox | None
) -> BatchOutcome:
    keys = [ingest.idempotency_key(raw) for raw in chunk]
    try:
        with transaction.atomic():
            return _store_and_process(chunk, keys, parsed, mailbox)
    except DatabaseError as exc:
        # The batch did not commit (a lost connection, a concurrent importer, a full
        # disk): nothing of it is stored. Each message alone, the two-step way.
        log.warning("mbox batch of %d not committed, one by one: %s", len(chunk), exc)
        return _one_by_one(chunk, mailbox)


def _store_and_process(chunk, keys, parsed, mailbox) -> BatchOutcome:
    stored = {
        e.idempotency_key: e
        for e in InboundEnvelope.objects.filter(idempotency_key__in=set(keys))
        .defer("raw")
        .select_related("ticket", "message")
    }
    mails = [p for p in parsed if isinstance(p, ParsedEmail)]
    ids = {p.message_id[:255] for p in mails}
    known = set(
        Message.objects.filter(channel=Channel.EMAIL, external_id__in=ids)
        .order_by()
        .values_list("external_id", flat=True)
    )
    quoted = {value for p in mails for value in route.thread_ids(p)}
    linked = set(
        Message.objects.filter(external_id__in=quoted)
        .order_by()
        .values_list("external_id", flat=True)
    )
    sent = set(
        OutboundMessageId.objects.filter(message_id__in=quoted).values_list("message_id", flat=True)
    )
    senders = [_sender(p) for p in mails]
    with (
        ingest.remembered_contacts([s for s in senders if s]) as contacts,
        route.sent_ids_read(sent),
    ):
        batch = _Batch(mailbox, stored, known | linked | sent, contacts)
        for raw, key, item in zip(chunk, keys, parsed, strict=True):
            batch.take(raw, key, item)
        batch.flush()
        return batch.outcome


def _addresses(parsed: ParsedEmail) -> set[str]:
    return {a.email for a in [parsed.from_, *parsed.reply_to, *parsed.cc] if a and a.email}


def _sender(parsed: ParsedEmail) -> str:
    sender = parsed.from_ or (parsed.reply_to[0] if parsed.reply_to else None)
    return sender.email if sender else ""


@dataclass
class _Pending:
    slot: int
    raw: bytes
    key: str
    envelope: InboundEnvelope
    ticket: NewTicket
    parsed: ParsedEmail


class _Batch:
    """The messages of one transaction, in order. New tickets that need nothing but
    their contacts wait in `pending` and are written together (`flush`); any other
    message is processed the ordinary way at once, after the pending ones when it
    may refer to them (a reply to one, the same Message-ID, a subject tag)."""

    def __init__(self, mailbox, stored: dict, seen: set[str], contacts):
        self.mailbox, self.stored, self.contacts = mailbox, stored, contacts
        self.seen = seen  # Message-IDs stored before or in this batch (and ones we sent)
        self.pending: list[_Pending] = []
        self.pending_ids: set[str] = set()
        self.pending_keys: set[str] = set()
        self.outcome = BatchOutcome()

    def take(self, raw: bytes, key: str, parsed) -> None:
        slot = len(self.outcome.results)  # results keep the order of the messages
        self.outcome.results.append(None)
        if key in self.pending_keys:  # the same message twice in a row
            self.flush()
        envelope = self.stored.get(key)
        if envelope is not None and envelope.state != EnvelopeState.RECEIVED:
            self.outcome.results[slot] = ingest.IngestResult.of(envelope, duplicate=True)
            return
        if envelope is not None:  # stored by a run that died before processing it
            self.flush()
            result = ingest.process_envelope(envelope, rate_limit=False, keep_dates=True)
            result.duplicate = False
            return self._done(slot, key, result, parsed)
        envelope = ingest.new_envelope(raw, key, self.mailbox)
        if isinstance(parsed, Exception):
            return self._done(slot, key, _failed(envelope, parsed), parsed)
        message_id = parsed.message_id[:255]
        quoted = set(route.thread_ids(parsed))
        try:  # planning writes nothing (new contacts wait for the flush too)
            plan = ingest.plan_imported(
                envelope,
                parsed,
                known_new=message_id not in self.seen,
                threaded=bool(quoted & self.seen),
            )
        except Exception as exc:
            return self._done(slot, key, _failed(envelope, exc), parsed)
        if plan is not None:
            self.pending.append(_Pending(slot, raw, key, envelope, plan, parsed))
            self.pending_ids.add(message_id)
            self.pending_keys.add(key)
            self.seen.add(message_id)
            self.contacts.message_done(committed=True)
            return
        fmt = (envelope.mailbox or Mailbox()).subject_tag_format
        if (
            (quoted | {message_id}) & self.pending_ids
            or _addresses(parsed) & self.contacts.unsaved()
            or route.has_tag(parsed.subject, fmt)
        ):
            self.flush()
        known_new = message_id not in self.seen
        self._done(slot, key, _process_new(envelope, parsed, known_new), parsed)

    def _done(self, slot: int, key: str, result: ingest.IngestResult, parsed) -> None:
        self.contacts.message_done(committed=result.state != EnvelopeState.FAILED)
        self.stored[key] = result.envelope
        if isinstance(parsed, ParsedEmail):
            self.seen.add(parsed.message_id[:255])
        self.outcome.results[slot] = result

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        self.pending_ids, self.pending_keys = set(), set()
        if not pending:
            return
        contacts, named = self.contacts.take_new()
        try:
            with transaction.atomic():
                contacts_save_bulk(new=contacts, named=named)
                opened = tickets_open_bulk([p.ticket for p in pending])
                for item, (ticket, message) in zip(pending, opened, strict=True):
                    ingest.finish_planned(item.envelope, ticket, message)
                InboundEnvelope.objects.bulk_create([p.envelope for p in pending])
        except Exception as exc:  # one of them breaks the INSERTs: each alone, then
            log.warning("bulk insert of %d new tickets failed, one by one: %s", len(pending), exc)
            self.contacts.forget(contacts)
            for item in pending:
                envelope = ingest.new_envelope(item.raw, item.key, self.mailbox)
                self._done(
                    item.slot, item.key, _process_new(envelope, item.parsed, False), item.parsed
                )
            return
        for item in pending:
            self.stored[item.key] = item.envelope
            self.outcome.results[item.slot] = ingest.IngestResult.of(item.envelope)


def _process_new(envelope: InboundEnvelope, parsed, known_new: bool) -> ingest.IngestResult:
    try:
        with transaction.atomic():  # a savepoint: a failure undoes this message only
            ingest.process_imported(envelope, parsed=parsed, known_new=known_new)
            return ingest.IngestResult.of(envelope)
    except Exception as exc:
        # Storing the failed envelope raises in turn when the batch's transaction
        # itself is broken (a lost connection): the caller goes one by one then.
        return _failed(envelope, exc)


def _failed(envelope: InboundEnvelope, exc: Exception) -> ingest.IngestResult:
    log.warning("inbound email %s failed: %s", envelope.idempotency_key[:100], exc)
    failed = InboundEnvelope(
        channel="email",
        mailbox=envelope.mailbox,
        idempotency_key=envelope.idempotency_key,
        size=envelope.size,
        raw=envelope.raw,
        raw_file=envelope.raw_file.name or "",
        attempts=1,
        **ingest.failure_fields(envelope, exc),
    )
    with transaction.atomic():
        failed.save()
    return ingest.IngestResult.of(failed)


def _one_by_one(chunk: list[bytes], mailbox: Mailbox | None) -> BatchOutcome:
    outcome = BatchOutcome()
    for raw in chunk:
        try:
            outcome.results.append(
                ingest.receive_email(raw, mailbox=mailbox, rate_limit=False, keep_dates=True)
            )
        except ingest.StoreFailed as exc:
            outcome.not_stored.append(str(exc))
    return outcome
