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

An archive (`batch.py`, the mbox importer) stores and processes many messages per
transaction instead, each in a savepoint, since its source file keeps them: a kill
at any point commits whole messages or nothing, and the next run skips what is stored.
"""

import hashlib
import logging
import traceback
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
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
    ENVELOPE_OUTCOME_FIELDS,
    EnvelopeState,
    InboundEnvelope,
    Mailbox,
    OutboundMessageId,
    SenderAuth,
)
from okno.channels.services import delivery_failed_record, followers_add
from okno.contacts.models import Contact
from okno.contacts.services import contact_get_or_create, contacts_by_email, normalize_email
from okno.core.actors import SystemActor
from okno.core.errors import ValidationFailed
from okno.core.events import batched_dispatch
from okno.tickets.models import Channel, LinkKind, Message, StatusCategory, Ticket
from okno.tickets.services import AttachmentInput, ticket_link, ticket_reply, ticket_update
from okno.tickets.services.bulk import NewTicket, ticket_prepare
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

    @classmethod
    def of(cls, envelope: InboundEnvelope, *, duplicate: bool = False) -> "IngestResult":
        return cls(
            envelope=envelope,
            ticket=envelope.ticket,
            message=envelope.message,
            created=envelope.created_ticket and not duplicate,
            duplicate=duplicate,
            state=envelope.state,
            reason=envelope.error if envelope.state != EnvelopeState.PROCESSED else "",
        )

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


def new_envelope(raw: bytes, key: str, mailbox: Mailbox | None) -> InboundEnvelope:
    """An unsaved envelope holding these bytes (large ones in file storage)."""
    envelope = InboundEnvelope(channel="email", mailbox=mailbox, idempotency_key=key, size=len(raw))
    if len(raw) > _raw_limit():
        name = f"{hashlib.sha256(raw).hexdigest()}.eml"
        envelope.raw_file.save(name, ContentFile(raw), save=False)
    else:
        envelope.raw = raw
    return envelope


def store_envelope(raw: bytes, *, mailbox: Mailbox | None = None) -> tuple[InboundEnvelope, bool]:
    """The envelope for these bytes, committed; (envelope, False) when it existed."""
    key = idempotency_key(raw)
    try:
        existing = _existing(key)
        if existing is not None:
            return existing, False
        envelope = new_envelope(raw, key, mailbox)
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
) -> IngestResult:
    """Store, then process one message. Raises only `StoreFailed`."""
    envelope, created = store_envelope(raw, mailbox=mailbox)
    if not created and envelope.state != EnvelopeState.RECEIVED:
        return IngestResult.of(envelope, duplicate=True)
    # New, or stored by an earlier run that died before processing it.
    result = process_envelope(envelope, rate_limit=rate_limit, keep_dates=keep_dates)
    result.duplicate = not created
    return result


def retry_envelope(envelope: InboundEnvelope) -> IngestResult:
    """Process a failed (or never processed) envelope again."""
    return process_envelope(envelope, rate_limit=False)


# --- 2. process -----------------------------------------------------------------------


def process_envelope(
    envelope: InboundEnvelope, *, rate_limit: bool = True, keep_dates: bool = False
) -> IngestResult:
    try:
        with transaction.atomic():
            locked = InboundEnvelope.objects.select_for_update().get(pk=envelope.pk)
            if locked.state in (EnvelopeState.PROCESSED, EnvelopeState.IGNORED):
                return IngestResult.of(locked, duplicate=True)
            _process(locked, rate_limit=rate_limit, keep_dates=keep_dates)
            return IngestResult.of(locked)
    except Exception as exc:
        log.warning("inbound email envelope %s failed: %s", envelope.pk, exc, exc_info=True)
        try:
            InboundEnvelope.objects.filter(pk=envelope.pk).update(
                attempts=F("attempts") + 1, **failure_fields(envelope, exc)
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


def failure_fields(envelope: InboundEnvelope, exc: Exception) -> dict:
    """What a failed envelope records: its state, the error (with where it happened,
    for the admin's failed list) and the sender and subject when the bytes parse."""
    error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
    return {"state": EnvelopeState.FAILED, "error": error[:10000], **_labels(envelope)}


def _labels(envelope: InboundEnvelope) -> dict:
    """Sender and subject for the failed list, when the bytes parse at all."""
    try:
        parsed = parse(envelope.raw_bytes())
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
    save: bool = True,
) -> None:
    envelope.state = state
    envelope.error = reason
    envelope.ticket = ticket
    envelope.message = message
    envelope.created_ticket = created
    envelope.attempts += 1
    envelope.processed_at = timezone.now()
    if not save:
        return
    if envelope.pk is None:  # stored and processed in one transaction: one INSERT
        envelope.save()
    else:  # the bytes stay as they are (no rewrite of a large blob)
        envelope.save(update_fields=FINISH_FIELDS)


FINISH_FIELDS = [
    *ENVELOPE_OUTCOME_FIELDS,
    "subject",
    "auto_submitted",
    "auto_reason",
    "mailbox",
    "sender",
    "sender_auth",
    "auth_results",
]


def parse(raw: bytes) -> ParsedEmail:
    from okno.channels.email.parse import parse_message

    return parse_message(raw)


def _inspect(envelope: InboundEnvelope, parsed: ParsedEmail, *, rate_limit: bool):
    """Fill in the envelope's labels and sender verdict; (sender, why to ignore it)."""
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
    return sender, reason


def plan_imported(
    envelope: InboundEnvelope, parsed: ParsedEmail, *, known_new: bool, threaded: bool
) -> NewTicket | None:
    """The new ticket this message of an archive opens, checked but not written (the
    batch writes many at once, `tickets_open_bulk`), when that is all it does: it is
    no bounce, not ignored, new (`known_new`), and neither threads to any message
    stored, sent or earlier in the batch (`threaded`, the batch looked them up) nor
    names a ticket in its subject tag. None: process it the ordinary way."""
    sender, reason = _inspect(envelope, parsed, rate_limit=False)
    mailbox = envelope.mailbox or Mailbox()
    if reason or parsed.is_bounce or not known_new or threaded:
        return None
    if route.has_tag(parsed.subject, mailbox.subject_tag_format):
        return None
    attachments, dropped = _attachments(parsed)
    body = _body(parsed, dropped)
    token = _planning.set(True)  # new contacts are written with the batch's tickets
    try:
        contact = _contact(sender.email, sender.name)
        fields = _new_ticket_fields(envelope, parsed, contact, mailbox, attachments, body, True)
    finally:
        _planning.reset(token)
    return ticket_prepare(contact=contact, **fields)


def finish_planned(envelope: InboundEnvelope, ticket: Ticket, message: Message) -> None:
    """Mark a planned message's envelope processed (the batch inserts it)."""
    _finish(
        envelope, EnvelopeState.PROCESSED, ticket=ticket, message=message, created=True, save=False
    )


def _process(
    envelope: InboundEnvelope,
    *,
    rate_limit: bool,
    keep_dates: bool,
    parsed: ParsedEmail | None = None,
    known_new: bool = False,
) -> None:
    """`parsed`: the bytes parsed already (by the importer's parsing process);
    `known_new`: the caller looked its Message-ID up with the rest of its batch and
    no stored message has it."""
    parsed = parsed or parse(envelope.raw_bytes())
    sender, reason = _inspect(envelope, parsed, rate_limit=rate_limit)
    if reason:
        _finish(envelope, EnvelopeState.IGNORED, reason=reason)
        return
    if parsed.is_bounce:
        _bounce(envelope, parsed)
        return
    earlier = None
    if not known_new:
        earlier = Message.objects.filter(channel=Channel.EMAIL, external_id=parsed.message_id[:255])
        earlier = next(iter(earlier.select_related("ticket").order_by()[:1]), None)
    if earlier is not None:  # processed before under another envelope: link, add nothing
        _finish(envelope, EnvelopeState.PROCESSED, ticket=earlier.ticket, message=earlier)
        return
    _deliver(envelope, parsed, sender, keep_dates=keep_dates)


def process_imported(envelope: InboundEnvelope, *, parsed: ParsedEmail, known_new: bool) -> None:
    """Route and write a message of an archive (see batch.py): no rate limit (an
    archive brings many messages of one sender at once), its own dates kept."""
    _process(envelope, rate_limit=False, keep_dates=True, parsed=parsed, known_new=known_new)


def queue_indexing(numbers: list[int]) -> None:
    """Leave the search entries of these tickets to a worker (see indexing_deferred)."""
    from okno.channels.tasks import index_tickets

    try:
        index_tickets(numbers)
    except Exception as exc:  # the messages are stored; only their search entries wait
        log.error("could not queue search indexing of %s: %s", numbers, exc)


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


class ContactMemo:
    """The contacts of a batch's senders, read in one query when the batch starts
    (see batch.py). New addresses get an unsaved contact, written with the batch's
    new tickets (`take_new`, `contacts_save_bulk`). A message that fails forgets
    what it added."""

    def __init__(self, addresses):
        self.known = contacts_by_email(addresses)
        self.named: dict[str, Contact] = {}  # stored ones that got their name now
        self.touched: list[str] = []

    def contact(self, email: str, name: str) -> Contact:
        address = normalize_email(email)
        contact = self.known.get(address)
        if contact is None:
            contact = Contact(name=(name or "")[:200], email=address)
        elif name and not contact.name:  # as contact_get_or_create: a name comes later
            contact.name = name[:200]
            if contact.pk is not None:
                self.named[address] = contact
        else:
            return contact
        self.remember(address, contact)
        return contact

    def remember(self, address: str, contact: Contact) -> None:
        self.known[address] = contact
        self.touched.append(address)

    def unsaved(self) -> set[str]:
        return {a for a, c in self.known.items() if c.pk is None}

    def take_new(self) -> tuple[list[Contact], list[Contact]]:
        """(the new contacts, the stored ones named since), for contacts_save_bulk."""
        named, self.named = list(self.named.values()), {}
        return [c for c in self.known.values() if c.pk is None], named

    def forget(self, contacts: list[Contact]) -> None:
        """These were not written after all (their batch's INSERT failed)."""
        for contact in contacts:
            if contact.pk is None:
                continue
            self.known.pop(contact.email, None)
            contact.pk = None

    def message_done(self, *, committed: bool) -> None:
        if not committed:
            for address in self.touched:
                self.known.pop(address, None)
                self.named.pop(address, None)
        self.touched = []


_contact_memo: ContextVar[ContactMemo | None] = ContextVar("okno_mail_contacts", default=None)


@contextmanager
def remembered_contacts(addresses):
    memo = ContactMemo(addresses)
    token = _contact_memo.set(memo)
    try:
        yield memo
    finally:
        _contact_memo.reset(token)


def _contact(email: str, name: str) -> Contact:
    """The contact of this address, made when new (unsaved while a batch plans)."""
    memo = _contact_memo.get()
    if memo is not None and _planning.get():
        return memo.contact(email, name)
    known = memo.known.get(email.strip().lower()) if memo is not None else None
    if known is not None and known.pk is not None and (known.name or not name):
        return known
    contact = contact_get_or_create(value=email, name=name)[0]
    if memo is not None:
        memo.remember(email.strip().lower(), contact)
    return contact


_planning: ContextVar[bool] = ContextVar("okno_mail_planning", default=False)


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
            found.append(_contact(email, item.name))
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
    contact = _contact(sender.email, sender.name)
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
    fields = _new_ticket_fields(envelope, parsed, contact, mailbox, attachments, body, keep_dates)
    ticket, message = ticket_open(actor=contact, **fields)
    _finish(envelope, EnvelopeState.PROCESSED, ticket=ticket, message=message, created=True)
    return ticket


def _new_ticket_fields(envelope, parsed, contact, mailbox, attachments, body, keep_dates) -> dict:
    followers = []
    if parsed.cc or parsed.reply_to:
        skip = route.own_addresses() | {contact.email}
        followers = _contacts(parsed.cc, skip=skip)
        if parsed.from_ is not None:  # Reply-To elsewhere: that address hears our answers
            followers += _contacts(parsed.reply_to, skip=skip)
    when = parsed.date if keep_dates and parsed.date and parsed.date <= timezone.now() else None
    return {
        "subject": (parsed.subject or "").strip() or "(no subject)",
        "body_text": body["body_text"],
        "body_html": body["body_html"],
        "group": mailbox.group if mailbox.pk else None,
        "priority": mailbox.default_priority,
        "category": mailbox.default_category if mailbox.pk else None,
        "channel": Channel.EMAIL,
        "attachments": attachments,
        "followers": followers,
        "external_id": parsed.message_id[:255],
        "created_at": when,
        "reply_text": body["reply_text"],
        "message_event_data": _flags(parsed, True, envelope),
    }
