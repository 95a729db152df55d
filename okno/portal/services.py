"""Portal use cases: submitting a request, magic-link login, marking solved.

Ticket changes themselves go through `okno.tickets.services`; this module adds
what is specific to customers acting on their own.
"""

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from okno.contacts.models import Contact, IdentityKind
from okno.contacts.services import contact_find, contact_get_or_create, normalize_email
from okno.core.errors import ValidationFailed
from okno.portal.models import MagicLink
from okno.tickets.models import DONE_CATEGORIES, Category, Channel, StatusCategory, Ticket
from okno.tickets.services import AttachmentInput, ticket_create, ticket_update
from okno.tickets.services.lifecycle import default_status

log = logging.getLogger("okno.portal")

MAGIC_LINK_TTL = dt.timedelta(minutes=30)


def request_submit(
    *,
    contact: Contact | None,
    name: str = "",
    email: str = "",
    subject: str,
    text: str,
    category: Category | None = None,
    attachments: list[AttachmentInput] = (),
    idempotency_key: str = "",
    language: str | None = None,
) -> Ticket:
    """A customer's request from the portal form: one ticket, even if sent twice.

    A visitor without a session is matched (or created) by email, like an email
    sender would be; the ticket is theirs to read once they log in by magic link.
    """
    with transaction.atomic():
        if contact is None:
            contact, _created = contact_get_or_create(
                kind=IdentityKind.EMAIL, value=email, name=name, language=language
            )
        return ticket_create(
            actor=contact,
            contact=contact,
            subject=subject,
            body_text=text,
            category=category,
            channel=Channel.PORTAL,
            attachments=list(attachments),
            idempotency_key=f"portal:{idempotency_key}" if idempotency_key else "",
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def magic_link_request(*, email: str) -> bool:
    """Mail a login link if a contact owns this email; True when one was sent.

    Callers must answer the same either way (no account enumeration).
    """
    try:
        address = normalize_email(email)
    except ValidationFailed:
        return False
    contact = contact_find(IdentityKind.EMAIL, address)
    if contact is None:
        return False
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    MagicLink.objects.filter(contact=contact, expires_at__lt=now).delete()  # housekeeping
    MagicLink.objects.create(
        token_hash=_hash(token),
        contact=contact,
        email=address,
        created_at=now,
        expires_at=now + MAGIC_LINK_TTL,
    )
    url = settings.BASE_URL + reverse("portal:magic", kwargs={"token": token})
    # The contact's language, not the visitor's: the mail is read later, by them.
    with translation.override(contact.language):
        subject = _("Your login link")
        body = render_to_string(
            "portal/email/magic_link.txt",
            {"contact": contact, "url": url, "minutes": int(MAGIC_LINK_TTL.total_seconds() // 60)},
        )
    from okno.portal.tasks import send_portal_mail

    try:
        send_portal_mail(address, subject, body, contact.language)
    except Exception:  # the queue being down must not tell the visitor anything
        log.exception("could not enqueue the login link for contact %s", contact.pk)
    return True


def magic_link_peek(token: str) -> MagicLink | None:
    """The link if it can still be used (for the GET page; consumes nothing)."""
    return (
        MagicLink.objects.filter(
            token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("contact")
        .first()
    )


def magic_link_consume(token: str) -> Contact | None:
    """Use the link once: the conditional UPDATE makes two racing POSTs log in once."""
    now = timezone.now()
    with transaction.atomic():
        used = MagicLink.objects.filter(
            token_hash=_hash(token), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if used != 1:
            return None
        link = MagicLink.objects.select_related("contact").get(token_hash=_hash(token))
    return link.contact


def ticket_mark_solved(*, ticket: Ticket, contact: Contact) -> Ticket:
    """A customer closing their own request as solved."""
    if ticket.state in DONE_CATEGORIES:
        raise ValidationFailed(_("This request is already solved."), field="status")
    return ticket_update(
        ticket=ticket, actor=contact, changes={"status": default_status(StatusCategory.SOLVED)}
    )
