"""The one service that makes deliveries, tries them, records every try and decides
about retries. Adapters only send (`send(delivery)`, raising `DeliveryError`).

A try, step by step:
1. Claim: in a short transaction, lock the row; only a queued or retrying delivery
   that is due is taken; it becomes "sending" and its attempt counter goes up.
   (The network call happens outside any transaction: SQLite would otherwise hold
   its write lock for as long as the SMTP server takes.)
2. Send through the channel's adapter.
3. Record, in a second short transaction: a DeliveryAttempt row; the new state
   (sent; retrying with the next time from BACKOFF; failed when the error is
   permanent or the retries are used up); the message's delivery state for the
   timeline; a ticket event for the final failure or a success that needed retries
   (one event per reply would flood the history).

A worker that dies between 1 and 3 leaves the row "sending"; the sweep releases it
after STALE_CLAIM, so the mail goes out at least once.
"""

import datetime as dt
import logging
from email.utils import formataddr, parseaddr

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from okno.channels.email.route import own_addresses
from okno.channels.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryStatus,
    InboundEnvelope,
    Mailbox,
    OutboundMessageId,
    new_outbound_token,
)
from okno.channels.outbound import DeliveryError
from okno.channels.outbound.compose import mail_domain, ticket_mailbox
from okno.channels.services import delivery_failed_record
from okno.contacts.models import Contact
from okno.core.actors import SystemActor
from okno.core.events import dispatch_after_commit
from okno.tickets.models import (
    AuthorKind,
    Channel,
    DeliveryState,
    Direction,
    Message,
    Ticket,
    TicketEvent,
)
from okno.tickets.services.events import record_event

log = logging.getLogger("okno.channels.outbound")

# Replies on messenger channels go to the customer's chat there, not by email.
MESSENGER_CHANNELS = {
    Channel.TELEGRAM,
    Channel.WHATSAPP,
    Channel.VIBER,
    Channel.VK,
    Channel.CHAT,
    Channel.CUSTOM,
}
ADAPTERS = {
    "email": "okno.channels.outbound.email.send",
    **{kind: "okno.channels.messengers.outbound.send" for kind in MESSENGER_CHANNELS},
}
# Waits after each failed try: about 23 hours in all, then the delivery fails.
BACKOFF = [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 120, 240, 480, 480)]
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_CLAIM = dt.timedelta(minutes=15)
OVERDUE = dt.timedelta(minutes=5)
OUTBOUND_ACTOR = SystemActor(label="email")

ACKNOWLEDGED_CHANNELS = {Channel.EMAIL, Channel.PORTAL}
# Public messages that go out: agents' replies and automation's (system-authored,
# sent with Auto-Submitted: auto-replied, see compose.py).
REPLY_AUTHORS = {AuthorKind.AGENT, AuthorKind.SYSTEM}
# Addresses that never read mail; an acknowledgement to them only makes noise.
MACHINE_LOCAL_PARTS = {
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
}

MESSAGE_STATE = {
    DeliveryStatus.QUEUED: DeliveryState.QUEUED,
    DeliveryStatus.SENT: DeliveryState.SENT,
    DeliveryStatus.RETRYING: DeliveryState.RETRYING,
    DeliveryStatus.FAILED: DeliveryState.FAILED,
}


# --- making deliveries -----------------------------------------------------------


def _address(contact: Contact) -> str:
    return formataddr((contact.name, contact.email))


def _bare(address: str) -> str:
    return parseaddr(address)[1].lower()


def reply_recipients(ticket: Ticket) -> tuple[list[Contact], list[Contact]]:
    """(To, Cc): the requester, and the followers who have an email."""
    own = own_addresses()
    requester = ticket.contact
    to = [requester] if requester.email and requester.email.lower() not in own else []
    cc = [
        c
        for c in ticket.followers.exclude(email="").order_by("id")
        if c.pk != requester.pk and c.email.lower() not in own
    ]
    if not to and cc:  # no requester address (a phone ticket): the followers still hear
        to, cc = cc[:1], cc[1:]
    return to, cc


def _create(
    *,
    ticket: Ticket,
    kind: str,
    message: Message | None,
    to: list[Contact],
    cc: list[Contact],
    mailbox: Mailbox | None,
) -> Delivery:
    token = new_outbound_token()
    part = message.pk if message is not None else "ack"
    mail_id = f"okno.{ticket.number}.{part}.{token}@{mail_domain(mailbox)}"
    to_addresses = [_address(c) for c in to]
    cc_addresses = [_address(c) for c in cc]
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                ticket=ticket,
                message=message,
                kind=kind,
                mailbox=mailbox,
                to=to_addresses,
                cc=cc_addresses,
                language=to[0].language or "en",
                mail_id=mail_id,
            )
            OutboundMessageId.objects.create(
                message_id=mail_id,
                token=token,
                ticket=ticket,
                sent_message=message,
                recipients=[_bare(a) for a in to_addresses + cc_addresses],
                mailbox=mailbox,
            )
            if message is not None:
                updates = {"delivery_state": DeliveryState.QUEUED, "delivery_error": ""}
                if not message.external_id:  # an agent's emailed reply keeps its own id
                    updates["external_id"] = mail_id
                Message.objects.filter(pk=message.pk).update(**updates)
    except IntegrityError:  # a twin task made it first
        lookup = {"message": message} if message is not None else {"ticket": ticket}
        return Delivery.objects.get(kind=kind, channel="email", **lookup)
    return delivery


def delivery_for_reply(message: Message) -> Delivery | None:
    """The delivery of a public reply (an agent's, or a rule's: an automatic reply or
    greeting); None when it does not go out."""
    existing = Delivery.objects.filter(message=message, kind=DeliveryKind.REPLY).first()
    if existing is not None:
        return existing
    if not (
        message.public
        and message.author_kind in REPLY_AUTHORS
        and message.direction == Direction.OUT
    ):
        return None  # internal notes and customers' own messages never go out
    ticket = message.ticket
    if ticket.is_deleted:
        return None
    if message.channel in MESSENGER_CHANNELS:
        from okno.channels.messengers.outbound import delivery_for_messenger_reply

        return delivery_for_messenger_reply(message)
    to, cc = reply_recipients(ticket)
    if not to:
        return None
    return _create(
        ticket=ticket,
        kind=DeliveryKind.REPLY,
        message=message,
        to=to,
        cc=cc,
        mailbox=ticket_mailbox(ticket),
    )


def _automatic(ticket: Ticket, first: Message) -> bool:
    """Whether the mail that opened the ticket was itself automatic (RFC 3834)."""
    if InboundEnvelope.objects.filter(ticket=ticket, created_ticket=True, auto_submitted=True):
        return True
    event = TicketEvent.objects.filter(
        ticket=ticket, kind="message", data__message=first.pk
    ).first()
    return bool(event and event.data.get("auto_submitted"))


def delivery_for_acknowledgement(ticket: Ticket) -> Delivery | None:
    """ "We received your request #N", once per ticket, when the rules allow it."""
    existing = Delivery.objects.filter(ticket=ticket, kind=DeliveryKind.ACKNOWLEDGEMENT).first()
    if existing is not None:
        return existing
    if ticket.channel not in ACKNOWLEDGED_CHANNELS or ticket.is_deleted:
        return None
    first = ticket.messages.order_by("id").first()
    if first is None or first.author_kind != AuthorKind.CONTACT or _automatic(ticket, first):
        return None
    mailbox = ticket_mailbox(ticket)
    if mailbox is not None and not mailbox.send_acknowledgement:
        return None
    contact = ticket.contact
    address = (contact.email or "").lower()
    if not address or address in own_addresses():
        return None
    if address.partition("@")[0] in MACHINE_LOCAL_PARTS:
        return None
    return _create(
        ticket=ticket,
        kind=DeliveryKind.ACKNOWLEDGEMENT,
        message=None,
        to=[contact],
        cc=[],
        mailbox=mailbox,
    )


# --- trying them ------------------------------------------------------------------


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    with transaction.atomic():
        # Lock the row alone: PostgreSQL refuses FOR UPDATE across outer joins.
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status not in (
            DeliveryStatus.QUEUED,
            DeliveryStatus.RETRYING,
        ):
            return None
        if delivery.next_attempt_at > now:
            return None
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.claimed_at = now
        delivery.save(update_fields=["status", "attempts", "claimed_at"])
    return Delivery.objects.select_related("ticket", "ticket__contact", "message", "mailbox").get(
        pk=delivery_id
    )


def delivery_attempt(delivery_id: int) -> Delivery | None:
    """One try of a due delivery (see the module docstring). Returns the delivery."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return Delivery.objects.filter(pk=delivery_id).first()
    error = None
    try:
        import_string(ADAPTERS[delivery.channel])(delivery)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:  # our own bug or storage trouble: record it, retry later
        log.exception("delivery %s failed unexpectedly", delivery.pk)
        error = DeliveryError(f"{type(exc).__name__}: {exc}")
    _record(delivery, error)
    return delivery


def _record(delivery: Delivery, error: DeliveryError | None) -> None:
    now = timezone.now()
    if error is None:
        status = DeliveryStatus.SENT
    elif error.permanent or delivery.attempts >= MAX_ATTEMPTS:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.RETRYING
    text = error.message[:2000] if error else ""
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, status=status, error=text
        )
        delivery.status = status
        delivery.error = text
        delivery.claimed_at = None
        if status == DeliveryStatus.SENT:
            delivery.sent_at = now
        if status == DeliveryStatus.RETRYING:
            wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
            if error.retry_after:  # the provider said how long to wait (a rate limit)
                wait = max(wait, dt.timedelta(seconds=error.retry_after))
            delivery.next_attempt_at = now + wait
        delivery.save()
        if delivery.message_id is not None:
            Message.objects.filter(pk=delivery.message_id).update(
                delivery_state=MESSAGE_STATE[status], delivery_error=text
            )
        data = {
            "delivery": delivery.pk,
            "kind": delivery.kind,
            "to": delivery.to,
            "cc": delivery.cc,
            "attempts": delivery.attempts,
        }
        if status == DeliveryStatus.FAILED:
            delivery_failed_record(
                ticket=delivery.ticket,
                message=delivery.message,
                actor=OUTBOUND_ACTOR,
                error=text,
                data={**data, "permanent": bool(error and error.permanent)},
            )
        elif status == DeliveryStatus.SENT and (delivery.attempts > 1 or delivery.message is None):
            event = record_event(
                ticket_id=delivery.ticket_id,
                actor=OUTBOUND_ACTOR,
                kind="delivered",
                data={"message": delivery.message_id, **data},
                version=delivery.ticket.version,
            )
            dispatch_after_commit([event.id])


def deliveries_overdue(limit: int = 500) -> list[int]:
    """Deliveries whose queued task was lost: overdue retries, never-tried ones, and
    tries whose worker died (released back to "retrying")."""
    now = timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=DeliveryStatus.RETRYING, claimed_at=None, next_attempt_at=now - OVERDUE
    )
    overdue = Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now - OVERDUE) | Q(
        status=DeliveryStatus.QUEUED, created_at__lte=now - OVERDUE
    )
    return list(
        Delivery.objects.filter(overdue).order_by("id").values_list("id", flat=True)[:limit]
    )
