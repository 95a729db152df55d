"""Channel use cases: mailbox settings, and the ticket writes that only channels make
(followers added by CC, messages from outside the conversation, delivery failures).
Ticket creation and replies themselves go through `okno.tickets.services`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from okno.channels.models import InboundEnvelope, Mailbox
from okno.contacts.models import Contact
from okno.core.errors import ValidationFailed
from okno.core.events import dispatch_after_commit
from okno.tickets.models import DeliveryState, Message, Ticket, TicketEvent
from okno.tickets.services.events import record_event

MAILBOX_FIELDS = (
    "address",
    "name",
    "group",
    "default_priority",
    "default_category",
    "kind",
    "host",
    "port",
    "security",
    "username",
    "password",
    "folder",
    "after_import",
    "move_to_folder",
    "poll_interval",
    "idle",
    "active",
    "send_acknowledgement",
    "subject_tag_format",
    "reopen_window_days",
    "only_allowlisted",
    "authserv_id",
)


def mailbox_save(*, actor, mailbox: Mailbox | None = None, values: dict) -> Mailbox:
    """Create (mailbox=None) or update a mailbox. An empty password keeps the old one."""
    mailbox = mailbox or Mailbox()
    for name in MAILBOX_FIELDS:
        if name not in values:
            continue
        if name == "password" and not values[name] and mailbox.pk:
            continue
        setattr(mailbox, name, values[name])
    try:
        validate_email((mailbox.address or "").strip())
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Enter a valid email address."), field="address") from exc
    if "{number}" not in (mailbox.subject_tag_format or ""):
        raise ValidationFailed(
            _("The subject tag must contain {number}."), field="subject_tag_format"
        )
    fetched = mailbox.kind in ("imap", "pop3")
    if fetched and ("host" in values or "kind" in values) and not (mailbox.host or "").strip():
        raise ValidationFailed(_("Enter the server to fetch mail from."), field="host")
    if mailbox.after_import == "move" and not mailbox.move_to_folder:
        raise ValidationFailed(_("Choose the folder to move mail to."), field="move_to_folder")
    same = Mailbox.objects.filter(address=(mailbox.address or "").strip().lower())
    if same.exclude(pk=mailbox.pk).exists():
        raise ValidationFailed(_("This address is already connected."), field="address")
    mailbox.save()
    return mailbox


def mailbox_delete(*, actor, mailbox: Mailbox) -> None:
    # Envelopes keep their bytes; they only lose the link (SET_NULL).
    mailbox.delete()


def mailbox_record_poll(*, mailbox: Mailbox, when, error: str = "") -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=when, last_error=error[:2000])


def followers_add(*, ticket: Ticket, contacts: list[Contact], actor) -> list[Contact]:
    """Add contacts copied on a participant's mail as followers of the ticket."""
    present = set(ticket.followers.values_list("pk", flat=True)) | {ticket.contact_id}
    new = [c for c in {c.pk: c for c in contacts}.values() if c.pk not in present]
    if not new:
        return []
    with transaction.atomic():
        ticket.followers.add(*new)
        event = record_event(
            ticket_id=ticket.number,
            actor=actor,
            kind="followers_added",
            data={"contacts": [c.pk for c in new], "emails": [c.email for c in new]},
            version=ticket.version,
        )
        dispatch_after_commit([event.id])
    return new


def message_mark_email(
    *, message: Message, from_outside: bool, auto_reason: str, reply_text: str = ""
) -> None:
    """Flag an inbound email message: from outside the conversation, or automatic.

    The flags go on the message and on its "message" event, so that automation
    reading events never answers an auto-reply. `reply_text` fills in what
    `ticket_create` does not take for the first message."""
    updates = {}
    if from_outside:
        updates["from_outside"] = True
    if reply_text:
        updates["reply_text"] = reply_text
    if updates:
        Message.objects.filter(pk=message.pk).update(**updates)
        for name, value in updates.items():
            setattr(message, name, value)
    extra = {}
    if from_outside:
        extra["from_outside"] = True
    if auto_reason:
        extra["auto_submitted"] = auto_reason
    if not extra:
        return
    for event in TicketEvent.objects.filter(ticket_id=message.ticket_id, kind="message").filter(
        data__message=message.pk
    ):
        event.data = {**event.data, **extra}
        event.save(update_fields=["data"])


def delivery_failed_record(
    *, ticket: Ticket, message: Message | None, actor, error: str, data: dict
) -> TicketEvent:
    """A bounce of our mail: the outbound message failed; the ticket shows why."""
    with transaction.atomic():
        if message is not None:
            Message.objects.filter(pk=message.pk).update(
                delivery_state=DeliveryState.FAILED, delivery_error=error[:2000]
            )
        event = record_event(
            ticket_id=ticket.number,
            actor=actor,
            kind="delivery_failed",
            data={"message": message.pk if message else None, "error": error, **data},
            version=ticket.version,
        )
        dispatch_after_commit([event.id])
    return event


def envelope_retry(*, actor, envelope: InboundEnvelope):
    from okno.channels.email.ingest import retry_envelope

    if envelope.state not in ("failed", "received"):
        raise ValidationFailed(_("Only failed messages can be retried."), field="envelope")
    return retry_envelope(envelope)
