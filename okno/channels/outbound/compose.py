"""Building the email for a delivery: addresses, threading headers, parts, language.

Reads only. The Message-ID is chosen when the delivery is made (delivery.py) so
that every try of one delivery carries the same id.
"""

import re
from email import encoders
from email.mime.base import MIMEBase
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from okno.channels.models import Delivery, DeliveryKind, InboundEnvelope, Mailbox, OutboundMessageId
from okno.core.text import display_html
from okno.tickets.models import AuthorKind, Channel, Direction, Message, Ticket

DEFAULT_TAG = "[#{number}]"
# RFC 3834: an automatic answer to a person's mail (acknowledgements, rules' replies);
# the second header keeps Exchange's out-of-office from answering it back.
AUTO_REPLY_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
MAX_REFERENCES = 10  # the root and the nearest ones thread every client we know
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|отв|ответ|відп)\s*(\[\d+\])?\s*:", re.IGNORECASE)


# --- who and where ------------------------------------------------------------------


def ticket_mailbox(ticket: Ticket) -> Mailbox | None:
    """The mailbox the ticket came in on; else the active mailbox routed to its group."""
    envelope = (
        InboundEnvelope.objects.filter(ticket=ticket, mailbox__isnull=False)
        .select_related("mailbox")
        .order_by("received_at", "id")
        .first()
    )
    if envelope is not None:
        return envelope.mailbox
    if ticket.group_id:
        return Mailbox.objects.filter(group_id=ticket.group_id, active=True).order_by("id").first()
    return None


def sender(mailbox: Mailbox | None) -> tuple[str, str]:
    """(company name, address) we send as."""
    if mailbox is not None:
        return mailbox.name, mailbox.address
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name, address or settings.DEFAULT_FROM_EMAIL


def from_header(mailbox: Mailbox | None, author_name: str = "") -> str:
    """`"Anna Agent (Acme Support)" <support@acme.test>`, quoted and encoded as needed."""
    company, address = sender(mailbox)
    if author_name and company:
        name = f"{author_name} ({company})"
    else:
        name = author_name or company
    return formataddr((name, address))


def mail_domain(mailbox: Mailbox | None) -> str:
    return sender(mailbox)[1].rpartition("@")[2] or "okno.localhost"


def portal_url(ticket: Ticket) -> str:
    return settings.BASE_URL + reverse("portal:ticket", args=[ticket.number])


# --- subject and threading ---------------------------------------------------------


def subject_tag(ticket: Ticket, mailbox: Mailbox | None) -> str:
    fmt = mailbox.subject_tag_format if mailbox is not None else DEFAULT_TAG
    fmt = fmt if "{number}" in (fmt or "") else DEFAULT_TAG
    return fmt.replace("{number}", str(ticket.number))


def tagged_subject(ticket: Ticket, mailbox: Mailbox | None) -> str:
    tag = subject_tag(ticket, mailbox)
    subject = ticket.subject
    return subject if tag in subject else f"{subject} {tag}"


def reply_subject(ticket: Ticket, mailbox: Mailbox | None, *, first: bool) -> str:
    """ "Re: <subject> [#N]"; no "Re:" on a conversation the agent opens."""
    subject = tagged_subject(ticket, mailbox)
    if first or REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}"


def thread_ids(
    ticket: Ticket, *, before: int | None = None, own: str = ""
) -> tuple[str, list[str]]:
    """(In-Reply-To, References): the customer's latest mail, and the thread so far.

    References holds the first id of the ticket and the nearest ones, oldest first:
    the customer's Message-IDs and the ids we sent."""
    inbound = Message.objects.filter(
        ticket=ticket, direction=Direction.IN, channel=Channel.EMAIL, from_outside=False
    ).exclude(external_id="")
    if before is not None:
        inbound = inbound.filter(id__lt=before)
    theirs = list(inbound.order_by("-id").values_list("created_at", "external_id")[:MAX_REFERENCES])
    ours = list(
        OutboundMessageId.objects.filter(ticket=ticket)
        .exclude(message_id=own)
        .order_by("-id")
        .values_list("created_at", "message_id")[:MAX_REFERENCES]
    )
    in_reply_to = theirs[0][1] if theirs else ""
    thread = [value for _when, value in sorted(theirs + ours)]
    root = inbound.order_by("id").values_list("external_id", flat=True).first()
    thread = thread[-MAX_REFERENCES:]
    if root and root not in thread:
        thread.insert(0, root)
    return in_reply_to, thread


def _angle(value: str) -> str:
    return f"<{value.strip('<>')}>"


# --- the email ----------------------------------------------------------------------


def _attach(email: EmailMultiAlternatives, message: Message) -> None:
    for item in message.attachments.all():
        with item.file.open("rb") as handle:
            data = handle.read()
        if item.content_id:  # an image shown in the HTML part (cid:...)
            maintype, _slash, subtype = (item.content_type or "application/octet-stream").partition(
                "/"
            )
            part = MIMEBase(maintype, subtype or "octet-stream")
            part.set_payload(data)
            encoders.encode_base64(part)
            part["Content-ID"] = _angle(item.content_id)
            part.add_header("Content-Disposition", "inline", filename=item.filename)
            email.attach(part)
        else:
            email.attach(item.filename, data, item.content_type or "application/octet-stream")


def _render(name: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"channels/email/{name}.txt", context)
    html = render_to_string(f"channels/email/{name}.html", context)
    return text, html


def compose(delivery: Delivery) -> EmailMultiAlternatives:
    """The email for this delivery, its system texts in the recipient's language."""
    with translation.override(delivery.language or settings.LANGUAGE_CODE):
        if delivery.kind == DeliveryKind.REPLY:
            return _compose_reply(delivery)
        return _compose_acknowledgement(delivery)


def _base(delivery: Delivery, *, subject: str, text: str, html: str, from_: str, headers: dict):
    ticket = delivery.ticket
    in_reply_to, references = thread_ids(ticket, before=delivery.message_id, own=delivery.mail_id)
    headers = {
        "Message-ID": _angle(delivery.mail_id),
        "Content-Language": delivery.language,
        **headers,
    }
    if in_reply_to:
        headers["In-Reply-To"] = _angle(in_reply_to)
    if references:
        headers["References"] = " ".join(_angle(r) for r in references)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_,
        to=list(delivery.to),
        cc=list(delivery.cc),
        reply_to=[from_header(delivery.mailbox)],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email


def _compose_reply(delivery: Delivery) -> EmailMultiAlternatives:
    message = delivery.message
    ticket = delivery.ticket
    author = message.author_user
    first = not Message.objects.filter(ticket=ticket, id__lt=message.pk).exists()
    context = {
        "ticket": ticket,
        "language": delivery.language,
        "body_text": message.body_text,
        # Sanitized when stored; cleaned once more on the way out.
        "body_html": mark_safe(display_html(message.body_html, load_remote_images=True)),  # noqa: S308
        "signature": author.signature.strip() if author else "",
        "portal_url": portal_url(ticket),
    }
    text, html = _render("reply", context)
    email = _base(
        delivery,
        subject=reply_subject(ticket, delivery.mailbox, first=first),
        text=text,
        html=html,
        from_=from_header(delivery.mailbox, author.name if author else ""),
        # A person's answer carries no Auto-Submitted; a rule's does (RFC 3834).
        headers=AUTO_REPLY_HEADERS if message.author_kind == AuthorKind.SYSTEM else {},
    )
    _attach(email, message)
    return email


def _compose_acknowledgement(delivery: Delivery) -> EmailMultiAlternatives:
    ticket = delivery.ticket
    tag = subject_tag(ticket, delivery.mailbox)
    context = {
        "ticket": ticket,
        "language": delivery.language,
        "name": ticket.contact.first_name,
        "tag": tag,
        "portal_url": portal_url(ticket),
    }
    text, html = _render("acknowledgement", context)
    subject = gettext("We received your request %(tag)s: %(subject)s") % {
        "tag": tag,
        "subject": ticket.subject,
    }
    return _base(
        delivery,
        subject=subject,
        text=text,
        html=html,
        from_=from_header(delivery.mailbox),
        headers=AUTO_REPLY_HEADERS,
    )
