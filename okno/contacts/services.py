"""Use cases for contacts and organizations."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from okno.contacts.models import Contact, Identity, IdentityKind, Organization, OrganizationDomain
from okno.core.errors import ValidationFailed


def normalize_email(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid email address."), field="email")
    return value


def normalize_phone(value: str, region: str = "RU") -> str:
    """E.164 form of a phone number (+79161234567)."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(_("Enter a valid phone number."), field="phone")
    if not phonenumbers.is_possible_number(number):
        raise ValidationFailed(_("Enter a valid phone number."), field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_identity(kind: str, value: str) -> str:
    if kind == IdentityKind.EMAIL:
        return normalize_email(value)
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP, IdentityKind.VIBER) and value.startswith(
        "+"
    ):
        return normalize_phone(value)
    return (value or "").strip()


def organization_for_email(email: str) -> Organization | None:
    domain = email.rpartition("@")[2]
    row = OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()
    return row.organization if row else None


def contact_find(kind: str, value: str) -> Contact | None:
    identity = (
        Identity.objects.select_related("contact")
        .filter(kind=kind, value=normalize_identity(kind, value))
        .first()
    )
    if identity is None:
        return None
    contact = identity.contact
    while contact.merged_into_id:  # a merged contact's identities moved, but be safe
        contact = contact.merged_into
    return contact


def contact_get_or_create(
    *, kind: str = IdentityKind.EMAIL, value: str, name: str = "", language: str | None = None
) -> tuple[Contact, bool]:
    """The contact owning this identity, made (with its organization) when new.

    Safe under concurrency: two requests racing for one new address end with one
    contact, because the identity's unique constraint decides and the loser re-reads.
    """
    value = normalize_identity(kind, value)
    existing = contact_find(kind, value)
    if existing is not None:
        if name and not existing.name:
            existing.name = name[:200]
            existing.save(update_fields=["name"])
        return existing, False
    try:
        with transaction.atomic():
            contact = Contact(name=(name or "")[:200])
            if language:
                contact.language = language
            if kind == IdentityKind.EMAIL:
                contact.email = value
                contact.organization = organization_for_email(value)
            elif kind == IdentityKind.PHONE:
                contact.phone = value
            contact.save()
            Identity.objects.create(contact=contact, kind=kind, value=value)
            return contact, True
    except IntegrityError:
        found = contact_find(kind, value)
        if found is None:
            raise
        return found, False


def contact_add_identity(*, contact: Contact, kind: str, value: str) -> Identity:
    value = normalize_identity(kind, value)
    owner = Identity.objects.filter(kind=kind, value=value).select_related("contact").first()
    if owner is not None:
        if owner.contact_id == contact.pk:
            return owner
        raise ValidationFailed(
            _("This address belongs to another contact: %(name)s. Merge the contacts instead.")
            % {"name": owner.contact.display_name},
            field="value",
        )
    identity = Identity.objects.create(contact=contact, kind=kind, value=value)
    if kind == IdentityKind.EMAIL and not contact.email:
        contact.email = value
        contact.save(update_fields=["email"])
    if kind == IdentityKind.PHONE and not contact.phone:
        contact.phone = value
        contact.save(update_fields=["phone"])
    return identity


@transaction.atomic
def contact_merge(*, source: Contact, target: Contact, actor) -> Contact:
    """Move everything of `source` to `target`; `source` remains as a pointer."""
    from okno.tickets.models import Message, Ticket
    from okno.tickets.services.events import record_event

    if source.pk == target.pk:
        raise ValidationFailed(_("A contact cannot be merged into itself."), field="target")
    Identity.objects.filter(contact=source).update(contact=target)
    moved = list(Ticket.objects.filter(contact=source).values_list("number", flat=True))
    Ticket.objects.filter(contact=source).update(contact=target)
    Message.objects.filter(author_contact=source).update(author_contact=target)
    through = Ticket.followers.through
    for ticket_id in through.objects.filter(contact=source).values_list("ticket_id", flat=True):
        through.objects.get_or_create(ticket_id=ticket_id, contact=target)
    through.objects.filter(contact=source).delete()
    for field in ("name", "email", "phone", "notes", "timezone"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    if not target.organization_id:
        target.organization_id = source.organization_id
    target.save()
    source.merged_into = target
    source.email = ""
    source.phone = ""
    source.save(update_fields=["merged_into", "email", "phone"])
    events = [
        record_event(
            ticket_id=number,
            actor=actor,
            kind="contact_merged",
            data={"from": source.pk, "into": target.pk},
        )
        for number in moved
    ]
    from okno.core.events import dispatch_after_commit

    dispatch_after_commit([e.id for e in events])
    return target


def organization_set_domains(*, organization: Organization, domains: list[str]) -> None:
    clean = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    taken = OrganizationDomain.objects.filter(domain__in=clean).exclude(organization=organization)
    if taken.exists():
        raise ValidationFailed(
            _("Domain %(domain)s already belongs to another organization.")
            % {"domain": taken.first().domain},
            field="domains",
        )
    with transaction.atomic():
        OrganizationDomain.objects.filter(organization=organization).exclude(
            domain__in=clean
        ).delete()
        for domain in clean:
            OrganizationDomain.objects.get_or_create(organization=organization, domain=domain)
