"""Use cases for contacts and organizations."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from okno.contacts.models import (
    Contact,
    Identity,
    IdentityKind,
    MergeSuggestion,
    Organization,
    OrganizationDomain,
)
from okno.core.errors import ValidationFailed
from okno.core.rawsql import column, insert, raw_first, table


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
    # Viber ids are opaque base64 and may start with "+" too: never phone numbers.
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP) and value.startswith("+"):
        return normalize_phone(value)
    return (value or "").strip()


def organization_for_email(email: str) -> Organization | None:
    domain = email.rpartition("@")[2]
    # A unique key, read for every new contact (okno.core.rawsql says why raw).
    # Names from the models' metadata, values as parameters.
    sql = (
        f"SELECT o.* FROM {table(OrganizationDomain)} d JOIN {table(Organization)} o"  # noqa: S608
        f" ON o.{column(Organization, 'id')} = d.{column(OrganizationDomain, 'organization')}"
        f" WHERE d.{column(OrganizationDomain, 'domain')} = %s"
    )
    return raw_first(Organization, sql, [domain])


def contact_find(kind: str, value: str) -> Contact | None:
    # Unique (kind, value). Every new ticket asks this (okno.core.rawsql says why raw).
    # Names from the models' metadata, values as parameters.
    sql = (
        f"SELECT c.* FROM {table(Identity)} i JOIN {table(Contact)} c"  # noqa: S608
        f" ON c.{column(Contact, 'id')} = i.{column(Identity, 'contact')}"
        f" WHERE i.{column(Identity, 'kind')} = %s AND i.{column(Identity, 'value')} = %s"
    )
    contact = raw_first(Contact, sql, [kind, normalize_identity(kind, value)])
    if contact is None:
        return None
    while contact.merged_into_id:  # a merged contact's identities moved, but be safe
        contact = contact.merged_into
    return contact


def contacts_by_email(emails) -> dict[str, Contact]:
    """The contacts owning these (normalized) email addresses, in one query: what
    `contact_find` answers for each, for callers handling many messages at once."""
    found = {}
    rows = Identity.objects.select_related("contact").filter(
        kind=IdentityKind.EMAIL, value__in=set(emails)
    )
    for identity in rows:
        contact = identity.contact
        while contact.merged_into_id:  # as in contact_find
            contact = contact.merged_into
        found[identity.value] = contact
    return found


def contacts_save_bulk(*, new: list[Contact], named: list[Contact] = ()) -> None:
    """What `contact_get_or_create` writes, for many addresses in a few statements:
    the `new` contacts (unsaved, each with its normalized `email`) with their email
    identities and organizations by domain, and the names of stored contacts that
    had none (`named`). An address taken meanwhile raises IntegrityError (the caller
    takes them one by one then)."""
    if named:
        Contact.objects.bulk_update(named, ["name"])
    contacts = new
    if not contacts:
        return
    domains = {c.email.rpartition("@")[2] for c in contacts}
    owners = OrganizationDomain.objects.filter(domain__in=domains).select_related("organization")
    by_domain = {row.domain: row.organization for row in owners}
    for contact in contacts:
        contact.organization = by_domain.get(contact.email.rpartition("@")[2])
    Contact.objects.bulk_create(contacts)
    Identity.objects.bulk_create(
        [Identity(contact=c, kind=IdentityKind.EMAIL, value=c.email) for c in contacts]
    )


def contact_get_or_create(
    *, kind: str = IdentityKind.EMAIL, value: str, name: str = "", language: str | None = None
) -> tuple[Contact, bool]:
    """The contact owning this identity, made (with its organization) when new.

    Safe under concurrency: two requests racing for one new address end with one
    contact, because the identity's unique constraint decides and the loser re-reads.
    """
    value = normalize_identity(kind, value)
    return contact_settle(
        contact_find(kind, value), kind=kind, value=value, name=name, language=language
    )


def contact_settle(
    found: Contact | None, *, kind: str, value: str, name: str = "", language: str | None = None
) -> tuple[Contact, bool]:
    """The writing half of `contact_get_or_create`, for a caller that looked the
    normalized `value` up (`contact_find`) before its own transaction and writes
    inside it: fills the found contact's missing name, or makes the contact."""
    if found is not None:
        if name and not found.name:
            found.name = name[:200]
            found.save(update_fields=["name"])
        return found, False
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
            insert(contact)
            insert(Identity(contact=contact, kind=kind, value=value))
            return contact, True
    except IntegrityError:
        found = contact_find(kind, value)
        if found is None:
            raise
        return found, False


class IdentityTaken(ValidationFailed):
    """The address is another contact's (`owner`); `suggestion` is the merge
    suggestion `contact_identity_add` made of it."""

    code = "identity_taken"

    def __init__(self, message: str, *, owner: Contact, kind: str, value: str):
        super().__init__(message, field="value")
        self.owner = owner
        self.kind = kind
        self.value = value
        self.suggestion: MergeSuggestion | None = None

    @property
    def details(self) -> dict:
        """What an API client needs to act: the owner and the suggestion to merge."""
        suggestion = self.suggestion.pk if self.suggestion else None
        return {"contact": self.owner.pk, "suggestion": suggestion}


def contact_add_identity(*, contact: Contact, kind: str, value: str) -> Identity:
    value = normalize_identity(kind, value)
    owner = Identity.objects.filter(kind=kind, value=value).select_related("contact").first()
    if owner is not None:
        if owner.contact_id == contact.pk:
            return owner
        raise IdentityTaken(
            _("This address belongs to another contact: %(name)s. Merge the contacts instead.")
            % {"name": owner.contact.display_name},
            owner=owner.contact,
            kind=kind,
            value=value,
        )
    identity = Identity.objects.create(contact=contact, kind=kind, value=value)
    if kind == IdentityKind.EMAIL and not contact.email:
        contact.email = value
        contact.save(update_fields=["email"])
    if kind == IdentityKind.PHONE and not contact.phone:
        contact.phone = value
        contact.save(update_fields=["phone"])
    return identity


def contact_identity_add(*, contact: Contact, kind: str, value: str) -> Identity:
    """An agent adds an address by hand (the contact card, the API). One that belongs
    to another contact is refused (IdentityTaken) with a merge suggestion made, shown
    again if it was dismissed: the agent has just said the two may be one person."""
    try:
        return contact_add_identity(contact=contact, kind=kind, value=value)
    except IdentityTaken as taken:
        taken.suggestion = suggest_merge(
            contact=contact, other_id=taken.owner.pk, kind=taken.kind, value=taken.value
        )
        if taken.suggestion is not None and taken.suggestion.dismissed:
            taken.suggestion.dismissed = False
            taken.suggestion.save(update_fields=["dismissed"])
        raise


# Kinds whose values are phone numbers: one seen as another suggests the same person.
PHONE_KINDS = (IdentityKind.PHONE, IdentityKind.WHATSAPP)


def identity_seen(*, contact: Contact, kind: str, value: str) -> Identity | None:
    """A channel saw `contact` use this address (a phone shared in a messenger, an
    email left in the chat). A free address joins the contact; one that belongs to
    somebody else becomes a merge suggestion instead (merging is a person's call).
    Returns the contact's identity, or None when it is another's or invalid."""
    try:
        value = normalize_identity(kind, value)
    except ValidationFailed:
        return None
    if not value:
        return None
    owner = Identity.objects.filter(kind=kind, value=value).first()
    if owner is None:
        identity = contact_add_identity(contact=contact, kind=kind, value=value)
    elif owner.contact_id == contact.pk:
        identity = owner
    else:
        suggest_merge(contact=contact, other_id=owner.contact_id, kind=kind, value=value)
        return None
    if kind in PHONE_KINDS:  # the same number under another kind (WhatsApp vs phone)
        twins = Identity.objects.filter(kind__in=PHONE_KINDS, value=value).exclude(contact=contact)
        for twin in twins.values_list("contact_id", flat=True).distinct():
            suggest_merge(contact=contact, other_id=twin, kind=kind, value=value)
    return identity


def suggest_merge(
    *, contact: Contact, other_id: int, kind: str, value: str
) -> MergeSuggestion | None:
    if other_id == contact.pk:
        return None
    first, second = sorted((contact.pk, other_id))
    suggestion, _created = MergeSuggestion.objects.get_or_create(
        contact_id=first,
        other_id=second,
        defaults={"reason_kind": kind, "reason_value": value[:254]},
    )
    return suggestion


def merge_suggestion_dismiss(*, contact: Contact, suggestion_id: int, actor) -> None:
    updated = MergeSuggestion.objects.filter(
        Q(contact=contact) | Q(other=contact), pk=suggestion_id
    ).update(dismissed=True)
    if not updated:
        raise ValidationFailed(_("No such suggestion for this contact."), field="suggestion")


def _carry_suggestions(source: Contact, target: Contact) -> None:
    """A merged contact's suggestions: the one between the pair is resolved; others
    it had now speak of the target (unless dismissed)."""
    rows = MergeSuggestion.objects.filter(Q(contact=source) | Q(other=source))
    for row in rows.filter(dismissed=False):
        other_id = row.other_id if row.contact_id == source.pk else row.contact_id
        if other_id != target.pk:
            suggest_merge(
                contact=target, other_id=other_id, kind=row.reason_kind, value=row.reason_value
            )
    rows.delete()


@transaction.atomic
def contact_merge(*, source: Contact, target: Contact, actor) -> Contact:
    """Move everything of `source` to `target`; `source` remains as a pointer."""
    from okno.tickets.models import Message, Ticket
    from okno.tickets.services.events import record_event

    if source.pk == target.pk:
        raise ValidationFailed(_("A contact cannot be merged into itself."), field="target")
    from okno.channels.models import Conversation

    Identity.objects.filter(contact=source).update(contact=target)
    Conversation.objects.filter(contact=source).update(contact=target)
    _carry_suggestions(source, target)
    moved = list(Ticket.objects.filter(contact=source).values_list("number", flat=True))
    Ticket.objects.filter(contact=source).update(contact=target)
    Message.objects.filter(author_contact=source).update(author_contact=target)
    through = Ticket.followers.through
    followed = set(through.objects.filter(contact=source).values_list("ticket_id", flat=True))
    followed -= set(through.objects.filter(contact=target).values_list("ticket_id", flat=True))
    through.objects.bulk_create([through(ticket_id=t, contact=target) for t in followed])
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


# --- editing in the agent UI (directory pages) --------------------------------


def _clean_timezone(value: str) -> str:
    import zoneinfo

    value = (value or "").strip()
    if value and value not in zoneinfo.available_timezones():
        raise ValidationFailed(_("Unknown time zone."), field="timezone")
    return value


@transaction.atomic
def contact_create(
    *,
    actor,
    name: str = "",
    email: str = "",
    phone: str = "",
    organization: Organization | None = None,
    language: str = "en",
    timezone: str = "",
    notes: str = "",
    account_manager=None,
) -> Contact:
    """A contact made by hand; at least one address so that it can be reached."""
    if not (email or "").strip() and not (phone or "").strip():
        raise ValidationFailed(_("Give an email address or a phone number."), field="email")
    contact = Contact.objects.create(
        name=" ".join((name or "").split())[:200],
        organization=organization,
        language=language,
        timezone=_clean_timezone(timezone),
        notes=notes or "",
        account_manager=account_manager,
    )
    if (email or "").strip():
        try:
            contact_add_identity(contact=contact, kind=IdentityKind.EMAIL, value=email)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field="email")
        if organization is None:
            contact.organization = organization_for_email(contact.email)
            contact.save(update_fields=["organization"])
    if (phone or "").strip():
        try:
            contact_add_identity(contact=contact, kind=IdentityKind.PHONE, value=phone)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field="phone")
    return contact


def contact_update(
    *,
    contact: Contact,
    actor,
    name: str,
    organization: Organization | None,
    language: str,
    timezone: str,
    notes: str,
    account_manager=None,
) -> Contact:
    contact.name = " ".join((name or "").split())[:200]
    contact.organization = organization
    contact.language = language
    contact.timezone = _clean_timezone(timezone)
    contact.notes = notes or ""
    contact.account_manager = account_manager
    contact.save(
        update_fields=["name", "organization", "language", "timezone", "notes", "account_manager"]
    )
    return contact


@transaction.atomic
def contact_remove_identity(*, contact: Contact, identity_id: int, actor) -> None:
    """Drop one address; the shown email/phone falls back to another of the same kind."""
    identity = Identity.objects.filter(contact=contact, pk=identity_id).first()
    if identity is None:
        raise ValidationFailed(_("No such address on this contact."), field="identity")
    identity.delete()
    for kind, attr in ((IdentityKind.EMAIL, "email"), (IdentityKind.PHONE, "phone")):
        if identity.kind == kind and getattr(contact, attr) == identity.value:
            other = (
                Identity.objects.filter(contact=contact, kind=kind)
                .order_by("created_at", "id")
                .first()
            )
            setattr(contact, attr, other.value if other else "")
            contact.save(update_fields=[attr])


def _clean_domains(domains: list[str]) -> list[str]:
    import re

    pattern = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
    clean = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not pattern.match(domain):
            raise ValidationFailed(
                _("%(domain)s is not a domain name.") % {"domain": raw.strip()}, field="domains"
            )
        clean.append(domain)
    return clean


@transaction.atomic
def organization_save(
    *,
    organization: Organization | None = None,
    actor,
    name: str,
    shares_tickets: bool = False,
    account_manager=None,
    notes: str = "",
    domains: list[str] | None = None,
) -> Organization:
    """Create (organization=None) or update an organization and its email domains."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    same_name = Organization.objects.filter(name__iexact=name)
    if organization is not None:
        same_name = same_name.exclude(pk=organization.pk)
    if same_name.exists():
        raise ValidationFailed(_("An organization with this name already exists."), field="name")
    organization = organization or Organization()
    organization.name = name[:200]
    organization.shares_tickets = bool(shares_tickets)
    organization.account_manager = account_manager
    organization.notes = notes or ""
    organization.save()
    if domains is not None:
        organization_set_domains(organization=organization, domains=_clean_domains(domains))
    return organization
