"""Inbound email: the exact bytes are stored first, then parsed, routed and handed to
the ticket services.

1. Store: the envelope is committed in its own transaction, keyed by Message-ID (or
   a hash of the bytes). A second delivery of the same message finds the envelope
   and creates nothing. Failing to store raises `StoreFailed`: the caller tells the
   sender to retry (exit 75 / SMTP 451).
2. Process, in one transaction holding the envelope's row lock: parse (pure), decide
   (ignore / bounce / thread / new ticket), call the services, mark the envelope
   processed. Any exception rolls all of it back and leaves the envelope "failed"
   with the error, to be retried; the lock and the processed state make a retry or
   a racing twin a no-op.

A bulk import (`bulk()`, `one_commit=True`: the mbox importer) does both in a single
transaction per message, since its source file stays where it is: a kill at any
point commits either the whole message (envelope, ticket, message) or nothing, and
the next run skips what is stored. A message that fails there is taken again the
two-step way above, so that its envelope is stored "failed" and the import goes on.
"""

import hashlib
import logging
import traceback
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from okno.channels.email import authres, route
from okno.channels.email.types import ParsedEmail
from okno.channels.models import (
    EnvelopeState,
    InboundEnvelope,
    Mailbox,
    OutboundMessageId,
    SenderAuth,
)
from okno.channels.services import delivery_failed_record, followers_add
from okno.contacts.models import Contact
from okno.contacts.services import contact_get_or_create
from okno.core.actors import SystemActor
from okno.core.errors import ValidationFailed
from okno.core.events import batched_dispatch
from okno.tickets.models import Channel, LinkKind, Message, StatusCategory, Ticket
from okno.tickets.services import AttachmentInput, ticket_link, ticket_reply, ticket_update
from okno.tickets.services.lifecycle import cached_statuses, default_status, ticket_open

log = logging.getLogger("okno.channels.email")

RAW_DB_LIMIT = 25 * 1024 * 1024  # larger raw messages go to file storage
EMAIL_ACTOR = SystemActor(label="email")


class StoreFailed(Exception):
    """The envelope could not be stored: nothing was accepted, the sender must retry."""


@dataclass
class IngestResult:
    envelope: InboundEnvelope | None
    ticket: Ticket | None
    message: Message | None
    created: bool
    duplicate: bool
    state: str
    reason: str = ""

    def as_json(self) -> dict:
        data = {
            "ticket": self.ticket.number if self.ticket else None,
            "message": self.message.pk if self.message else None,
            "created": self.created,
            "duplicate": self.duplicate,
            "state": self.state,
            "envelope": self.envelope.pk if self.envelope else None,
        }
        if self.reason:
            data["reason"] = self.reason
        return data


# --- 1. store -------------------------------------------------------------------------


def idempotency_key(raw: bytes) -> str:
    """ "email:<message-id>", or "email:sha256:<hex>" when the id is missing or odd."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw if end < 0 else raw[: end + 2]
    try:
        value = BytesHeaderParser(policy=compat32).parsebytes(head).get("Message-ID") or ""
        value = str(value).strip().split()[0].strip("<>") if str(value).strip() else ""
    except Exception:  # a header the stdlib chokes on: fall back to the hash
        value = ""
    if value and len(value) <= 250 and value.isprintable():
        return f"email:{value}"
    return f"email:sha256:{hashlib.sha256(raw).hexdigest()}"


def _existing(key: str) -> InboundEnvelope | None:
    # A light probe first: almost every message of an import is new.
    found = InboundEnvelope.objects.filter(idempotency_key=key).order_by()
    found = list(found.values_list("pk", flat=True)[:1])  # no ORDER BY: one index probe
    if not found:
        return None
    # Without the bytes: a duplicate needs only its outcome (processing re-reads the row).
    return (
        InboundEnvelope.objects.filter(pk=found[0])
        .defer("raw")
        .select_related("ticket", "message")
        .first()
    )


def _raw_limit() -> int:
    return getattr(settings, "OKNO_INBOUND_RAW_DB_LIMIT", RAW_DB_LIMIT)


def store_envelope(raw: bytes, *, mailbox: Mailbox | None = None) -> tuple[InboundEnvelope, bool]:
    """The envelope for these bytes, committed; (envelope, False) when it existed."""
    key = idempotency_key(raw)
    try:
        existing = _existing(key)
        if existing is not None:
            return existing, False
        envelope = InboundEnvelope(
            channel="email", mailbox=mailbox, idempotency_key=key, size=len(raw)
        )
        if len(raw) > _raw_limit():
            name = f"{hashlib.sha256(raw).hexdigest()}.eml"
            envelope.raw_file.save(name, ContentFile(raw), save=False)
        else:
            envelope.raw = raw
        try:
            with transaction.atomic():
                envelope.save()
        except IntegrityError:  # a concurrent delivery of the same message won
            return InboundEnvelope.objects.get(idempotency_key=key), False
        return envelope, True
    except (DatabaseError, OSError) as exc:
        raise StoreFailed(str(exc)) from exc


@contextmanager
def bulk():
    """For importing many messages in one process: settings and statuses read once
    per run (see route.cached_settings), events queued in batches."""
    with ExitStack() as stack:
        stack.enter_context(route.cached_settings())
        stack.enter_context(cached_statuses())
        stack.enter_context(batched_dispatch())
        yield


def receive_email(
    raw: bytes,
    *,
    mailbox: Mailbox | None = None,
    rate_limit: bool = True,
    keep_dates: bool = False,
    one_commit: bool = False,
) -> IngestResult:
    """Store, then process one message. Raises only `StoreFailed`.

    `one_commit`: store and process in one transaction, for callers whose source
    keeps the message until they move on (an mbox file), see the module docstring."""
    if one_commit and len(raw) <= _raw_limit():
        result = _receive_in_one_commit(raw, mailbox=mailbox, keep_dates=keep_dates)
        if result is not None:
            return result
    envelope, created = store_envelope(raw, mailbox=mailbox)
    if not created and envelope.state != EnvelopeState.RECEIVED:
        return _result(envelope, duplicate=True)
    # New, or stored by an earlier run that died before processing it.
    result = process_envelope(envelope, rate_limit=rate_limit, keep_dates=keep_dates)
    result.duplicate = not created
    return result


def _receive_in_one_commit(
    raw: bytes, *, mailbox: Mailbox | None, keep_dates: bool
) -> IngestResult | None:
    """The whole message in one transaction; None: take the two-step way instead
    (it failed, or an earlier run stored it without processing it)."""
    key = idempotency_key(raw)
    try:
        with transaction.atomic():
            existing = _existing(key)
            if existing is not None:
                if existing.state == EnvelopeState.RECEIVED:
                    return None
                return _result(existing, duplicate=True)
            envelope = InboundEnvelope(
                channel="email", mailbox=mailbox, idempotency_key=key, size=len(raw), raw=raw
            )
            # No rate limit: an import brings many messages of one sender at once.
            _process(envelope, rate_limit=False, keep_dates=keep_dates)  # _finish inserts it
            return _result(envelope)
    except Exception as exc:  # recorded by the two-step way, which tries again
        log.info("inbound email %s: taking it the two-step way: %s", key[:100], exc)
        return None


def retry_envelope(envelope: InboundEnvelope) -> IngestResult:
    """Process a failed (or never processed) envelope again."""
    return process_envelope(envelope, rate_limit=False)


def _result(envelope: InboundEnvelope, *, duplicate: bool = False) -> IngestResult:
    return IngestResult(
        envelope=envelope,
        ticket=envelope.ticket,
        message=envelope.message,
        created=envelope.created_ticket and not duplicate,
        duplicate=duplicate,
        state=envelope.state,
        reason=envelope.error if envelope.state != EnvelopeState.PROCESSED else "",
    )


# --- 2. process -----------------------------------------------------------------------


def process_envelope(
    envelope: InboundEnvelope, *, rate_limit: bool = True, keep_dates: bool = False
) -> IngestResult:
    try:
        with transaction.atomic():
            locked = InboundEnvelope.objects.select_for_update().get(pk=envelope.pk)
            if locked.state in (EnvelopeState.PROCESSED, EnvelopeState.IGNORED):
                return _result(locked, duplicate=True)
            _process(locked, rate_limit=rate_limit, keep_dates=keep_dates)
            return _result(locked)
    except Exception as exc:
        log.warning("inbound email envelope %s failed: %s", envelope.pk, exc, exc_info=True)
        error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        try:
            InboundEnvelope.objects.filter(pk=envelope.pk).update(
                state=EnvelopeState.FAILED,
                error=error[:10000],
                attempts=F("attempts") + 1,
                **_labels(envelope),
            )
            envelope.refresh_from_db()
        except DatabaseError:  # the database went away: the envelope stays "received"
            log.exception("could not mark envelope %s failed", envelope.pk)
        return IngestResult(
            envelope=envelope,
            ticket=None,
            message=None,
            created=False,
            duplicate=False,
            state=EnvelopeState.FAILED,
            reason=str(exc),
        )


def _labels(envelope: InboundEnvelope) -> dict:
    """Sender and subject for the failed list, when the bytes parse at all."""
    try:
        parsed = _parse(envelope.raw_bytes())
    except Exception:
        return {}
    sender = parsed.from_.email if parsed.from_ else ""
    return {"sender": sender[:254], "subject": (parsed.subject or "")[:250]}


def _finish(
    envelope: InboundEnvelope,
    state: str,
    *,
    reason: str = "",
    ticket: Ticket | None = None,
    message: Message | None = None,
    created: bool = False,
) -> None:
    envelope.state = state
    envelope.error = reason
    envelope.ticket = ticket
    envelope.message = message
    envelope.created_ticket = created
    envelope.attempts += 1
    envelope.processed_at = timezone.now()
    if envelope.pk is None:  # stored and processed in one transaction: one INSERT
        envelope.save()
    else:  # the bytes stay as they are (no rewrite of a large blob)
        envelope.save(update_fields=FINISH_FIELDS)


FINISH_FIELDS = [
    "state",
    "error",
    "ticket",
    "message",
    "created_ticket",
    "attempts",
    "processed_at",
    "subject",
    "auto_submitted",
    "auto_reason",
    "mailbox",
    "sender",
    "sender_auth",
    "auth_results",
]


def _parse(raw: bytes) -> ParsedEmail:
    from okno.channels.email.parse import parse_message

    return parse_message(raw)


def _process(envelope: InboundEnvelope, *, rate_limit: bool, keep_dates: bool) -> None:
    parsed = _parse(envelope.raw_bytes())
    sender = parsed.from_ or (parsed.reply_to[0] if parsed.reply_to else None)
    envelope.subject = (parsed.subject or "")[:250]
    envelope.auto_submitted = parsed.auto_submitted
    envelope.auto_reason = (parsed.auto_reason or "")[:200]
    envelope.mailbox = envelope.mailbox or route.mailbox_for(parsed)
    if sender is None or not sender.email:
        raise ValidationFailed("The message has no sender address (From).")
    address = sender.email.lower()
    auth = authres.verdict(
        parsed.headers.get("authentication-results", ""),
        from_domain=address.rpartition("@")[2],
        trusted=authres.trusted_ids(envelope.mailbox),
    )
    envelope.sender_auth, envelope.auth_results = auth.verdict, auth.results
    reason = route.ignore_reason(
        address, envelope.mailbox, rate_limit=rate_limit and not parsed.is_bounce
    )
    envelope.sender = address[:254]
    if reason:
        _finish(envelope, EnvelopeState.IGNORED, reason=reason)
        return
    if parsed.is_bounce:
        _bounce(envelope, parsed)
        return
    earlier = Message.objects.filter(channel=Channel.EMAIL, external_id=parsed.message_id[:255])
    earlier = next(iter(earlier.select_related("ticket").order_by()[:1]), None)
    if earlier is not None:  # processed before under another envelope: link, add nothing
        _finish(envelope, EnvelopeState.PROCESSED, ticket=earlier.ticket, message=earlier)
        return
    _deliver(envelope, parsed, sender, keep_dates=keep_dates)


def _bounce(envelope: InboundEnvelope, parsed: ParsedEmail) -> None:
    if envelope.pk is None:  # the event below names the envelope
        envelope.save()
    original = (parsed.bounce_original_id or "").strip("<>")
    row = (
        OutboundMessageId.objects.filter(message_id=original)
        .select_related("ticket", "sent_message")
        .first()
        if original
        else None
    )
    message = row.sent_message if row else None
    if row is None and original:
        message = (
            Message.objects.filter(external_id=original, direction="out")
            .select_related("ticket")
            .first()
        )
    ticket = row.ticket if row else (message.ticket if message else None)
    if ticket is None:
        _finish(envelope, EnvelopeState.IGNORED, reason="bounce of a message we did not send")
        return
    recipients = ", ".join(parsed.bounce_recipients)
    error = " ".join(p for p in (parsed.bounce_status, recipients) if p) or "bounced"
    delivery_failed_record(
        ticket=ticket,
        message=message,
        actor=EMAIL_ACTOR,
        error=error,
        data={
            "recipients": parsed.bounce_recipients,
            "status": parsed.bounce_status,
            "envelope": envelope.pk,
        },
    )
    _finish(envelope, EnvelopeState.PROCESSED, ticket=ticket)


# --- 3. route and act -----------------------------------------------------------------


def _attachments(parsed: ParsedEmail) -> tuple[list[AttachmentInput], list[str]]:
    limit = settings.OKNO_MAX_ATTACHMENT_SIZE
    kept, dropped = [], []
    for item in parsed.attachments:
        if len(item.data) > limit:  # the raw envelope still holds it
            dropped.append(f"{item.filename} ({len(item.data) // 1024} KB)")
            continue
        kept.append(
            AttachmentInput(
                filename=item.filename,
                data=item.data,
                content_type=item.content_type,
                content_id=item.content_id,
            )
        )
    dropped += list(getattr(parsed, "skipped_attachments", []))
    return kept, dropped


def _body(parsed: ParsedEmail, dropped: list[str]) -> dict:
    text = parsed.text or ""
    if dropped:
        text += "\n\n[" + "too large to attach, kept in the original: " + ", ".join(dropped) + "]"
    if not text.strip() and not (parsed.html or "").strip() and not parsed.attachments:
        text = "(empty message)"
    return {"body_text": text, "body_html": parsed.html or "", "reply_text": parsed.reply_text}


def _contacts(addresses, *, skip: set[str]) -> list[Contact]:
    found = []
    agent_emails = None
    for item in addresses:
        email = (item.email or "").lower()
        if not email or email in skip:
            continue
        if agent_emails is None:
            agent_emails = route.agent_emails()
        if email in agent_emails:
            continue
        try:
            found.append(contact_get_or_create(value=email, name=item.name)[0])
        except ValidationFailed:  # an unusable address in Cc does not stop the message
            continue
    return found


def _deliver(envelope: InboundEnvelope, parsed: ParsedEmail, sender, *, keep_dates: bool) -> None:
    """Thread, authenticate and write (see the module docstring for the rules)."""
    mailbox = envelope.mailbox or Mailbox()  # an unsaved one carries the defaults
    attachments, dropped = _attachments(parsed)
    body = _body(parsed, dropped)
    external_id = parsed.message_id[:255]
    thread = route.find_thread(parsed)
    ticket = thread.ticket
    # A sender that failed DMARC / DKIM may be anyone: the address proves nothing, so
    # it takes part in no conversation (its mail is kept, marked, from outside).
    spoofed = envelope.sender_auth == SenderAuth.FAIL

    user = route.agent_for(sender.email) if ticket is not None and not spoofed else None
    if user is not None and route.agent_authenticated(user, ticket, thread):
        message = ticket_reply(
            ticket=ticket,
            actor=user,
            channel=Channel.EMAIL,
            external_id=external_id,
            attachments=attachments,
            **body,
        )
        _finish(envelope, EnvelopeState.PROCESSED, ticket=ticket, message=message)
        return

    # Everyone else, an agent's address without our token included, is a customer.
    contact, _created = contact_get_or_create(value=sender.email, name=sender.name)
    if ticket is None:
        tagged = route.find_by_tag(parsed.subject, mailbox.subject_tag_format)
        if tagged is not None and not spoofed and route.is_participant(contact, tagged):
            ticket = tagged
    if ticket is None:
        _new_ticket(envelope, parsed, contact, mailbox, attachments, body, keep_dates)
        return

    participant = not spoofed and route.is_participant(contact, ticket)
    reply = {
        "actor": contact,
        "channel": Channel.EMAIL,
        "external_id": external_id,
        "attachments": attachments,
        **body,
    }
    if ticket.state == StatusCategory.CLOSED:
        if parsed.auto_submitted:
            _finish(envelope, EnvelopeState.IGNORED, reason="automatic reply to a closed ticket")
            return
        if participant and route.within_reopen_window(ticket, mailbox.reopen_window_days):
            ticket = ticket_update(
                ticket=ticket,
                actor=contact,
                changes={"status": default_status(StatusCategory.OPEN)},
            )
        else:
            new = _new_ticket(envelope, parsed, contact, mailbox, attachments, body, keep_dates)
            ticket_link(source=new, target=ticket, actor=EMAIL_ACTOR, kind=LinkKind.FOLLOW_UP)
            return
    if not participant or parsed.auto_submitted:
        # Neither a stranger nor an out-of-office note moves the ticket's status.
        reply["new_status"] = ticket.status
    # The flags go on the message and on its "message" event, so that automation
    # reading events never answers an auto-reply.
    message = ticket_reply(
        ticket=ticket,
        from_outside=not participant,
        event_data=_flags(parsed, participant, envelope),
        **reply,
    )
    if participant and not parsed.auto_submitted and parsed.cc:
        skip = route.own_addresses() | {contact.email}
        followers_add(ticket=ticket, contacts=_contacts(parsed.cc, skip=skip), actor=contact)
    _finish(envelope, EnvelopeState.PROCESSED, ticket=ticket, message=message)


def _auto(parsed: ParsedEmail) -> str:
    return (parsed.auto_reason or "auto-submitted") if parsed.auto_submitted else ""


def _flags(parsed: ParsedEmail, participant: bool, envelope: InboundEnvelope) -> dict:
    flags = {} if participant else {"from_outside": True}
    if parsed.auto_submitted:
        flags["auto_submitted"] = _auto(parsed)
    if envelope.sender_auth == SenderAuth.FAIL:
        flags["sender_auth"] = SenderAuth.FAIL
    return flags


def _new_ticket(envelope, parsed, contact, mailbox, attachments, body, keep_dates) -> Ticket:
    followers = []
    if parsed.cc or parsed.reply_to:
        skip = route.own_addresses() | {contact.email}
        followers = _contacts(parsed.cc, skip=skip)
        if parsed.from_ is not None:  # Reply-To elsewhere: that address hears our answers
            followers += _contacts(parsed.reply_to, skip=skip)
    when = parsed.date if keep_dates and parsed.date and parsed.date <= timezone.now() else None
    ticket, message = ticket_open(
        actor=contact,
        subject=(parsed.subject or "").strip() or "(no subject)",
        body_text=body["body_text"],
        body_html=body["body_html"],
        group=mailbox.group if mailbox.pk else None,
        priority=mailbox.default_priority,
        category=mailbox.default_category if mailbox.pk else None,
        channel=Channel.EMAIL,
        attachments=attachments,
        followers=followers,
        external_id=parsed.message_id[:255],
        created_at=when,
        reply_text=body["reply_text"],
        message_event_data=_flags(parsed, True, envelope),
    )
    _finish(envelope, EnvelopeState.PROCESSED, ticket=ticket, message=message, created=True)
    return ticket
