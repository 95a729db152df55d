"""Reading contacts and organizations for the directory pages.

Lists are cut by a keyset cursor on their sort columns (never OFFSET) so a page
costs the same at any depth. The tickets shown with a contact or an organization
are always narrowed by `visible_tickets` of the viewer: every staff member may look
at a contact, but not at every ticket of it.
"""

import base64
import json
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Left

from okno.contacts.models import (
    Contact,
    Identity,
    MergeSuggestion,
    Organization,
    OrganizationDomain,
)
from okno.tickets.models import Message, StatusCategory, Ticket
from okno.tickets.permissions import visible_tickets

PAGE_SIZE = 50
RELATED_TICKETS = 50
MEMBERS_SHOWN = 100
OPEN_STATES = (
    StatusCategory.NEW,
    StatusCategory.OPEN,
    StatusCategory.PENDING,
    StatusCategory.ON_HOLD,
)


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[str, int] | None:
    """(name, id) from a cursor; None for a missing or malformed one (first page)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return str(name), int(pk)
    except (ValueError, TypeError):
        return None


def _page(queryset: QuerySet, cursor: str | None, limit: int) -> Page:
    """One page of rows ordered by (name, id), strictly after the cursor."""
    after = _decode(cursor)
    if after is not None:
        name, pk = after
        queryset = queryset.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
    rows = list(queryset.order_by("name", "pk")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode([last.name, last.pk])
    return Page(rows=rows[:limit], next_cursor=next_cursor)


def contact_list(*, query: str = "", cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Live (not merged-away) contacts matching a name, email or phone fragment."""
    contacts = Contact.objects.filter(merged_into__isnull=True).select_related("organization")
    query = " ".join((query or "").split())
    if query:
        # Any identity (a second email, a Telegram id…) finds its contact too.
        by_identity = Identity.objects.filter(contact=OuterRef("pk"), value__icontains=query)
        contacts = contacts.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
            | Exists(by_identity)
        )
    return _page(contacts, cursor, limit)


def contact_get(pk: int) -> Contact | None:
    return (
        Contact.objects.select_related("organization", "account_manager", "merged_into")
        .filter(pk=pk)
        .first()
    )


def contact_identities(contact: Contact) -> list[Identity]:
    return list(contact.identities.order_by("kind", "created_at", "id"))


def open_merge_suggestions(contact: Contact | None = None) -> QuerySet:
    """Suggestions not dismissed, between two live contacts (all, or naming `contact`),
    newest first; the API pages them by id, the contact card lists them."""
    rows = MergeSuggestion.objects.filter(
        dismissed=False, contact__merged_into__isnull=True, other__merged_into__isnull=True
    )
    if contact is not None:
        rows = rows.filter(Q(contact=contact) | Q(other=contact))
    return rows.select_related("contact__organization", "other__organization").order_by("-id")


def merge_suggestions_for(contact: Contact, rows=None) -> list[MergeSuggestion]:
    """A contact's open suggestions (or the given page of them), each with `.match`:
    the other contact of the pair."""
    rows = list(open_merge_suggestions(contact) if rows is None else rows)
    for row in rows:
        row.match = row.other if row.contact_id == contact.pk else row.contact
    return rows


def tickets_for_viewer(viewer, **filters) -> list[Ticket]:
    """The newest tickets matching `filters` that the viewer may see (and only those)."""
    return list(
        visible_tickets(viewer)
        .filter(**filters)
        .select_related("status", "assignee", "contact")
        .order_by("-created_at", "-number")[:RELATED_TICKETS]
    )


def contact_history(viewer, contact: Contact, limit: int = RELATED_TICKETS) -> list[Ticket]:
    """The contact's tickets on every channel that the viewer may see, newest activity
    first, each with `last_message`: the start of its latest message."""
    latest = Message.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-id")
    return list(
        visible_tickets(viewer)
        .filter(contact=contact, is_deleted=False)
        .select_related("status", "assignee")
        .annotate(
            last_message=Subquery(latest.annotate(start=Left("body_text", 160)).values("start")[:1])
        )
        .order_by("-updated_at", "-number")[:limit]
    )


def open_tickets_for_viewer(viewer, contact: Contact, limit: int = 10) -> list[Ticket]:
    """A contact's open tickets the viewer may see, most recently active first."""
    return list(
        visible_tickets(viewer)
        .filter(contact=contact, state__in=OPEN_STATES, is_deleted=False)
        .select_related("status")
        .order_by("-updated_at", "-number")[:limit]
    )


def organization_list(
    *, query: str = "", cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    organizations = Organization.objects.select_related("account_manager").annotate(
        member_count=Count("contacts", filter=Q(contacts__merged_into__isnull=True))
    )
    query = " ".join((query or "").split())
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query) | Q(domains__domain__icontains=query)
        ).distinct()
    page = _page(organizations, cursor, limit)
    # Domains of the whole page in one query, not one per row.
    ids = [o.pk for o in page.rows]
    domains: dict[int, list[str]] = {}
    for org_id, domain in (
        OrganizationDomain.objects.filter(organization_id__in=ids)
        .order_by("domain")
        .values_list("organization_id", "domain")
    ):
        domains.setdefault(org_id, []).append(domain)
    for org in page.rows:
        org.domain_names = domains.get(org.pk, [])
    return page


def organization_get(pk: int) -> Organization | None:
    return Organization.objects.select_related("account_manager").filter(pk=pk).first()


def organization_domains(organization: Organization) -> list[str]:
    return list(organization.domains.order_by("domain").values_list("domain", flat=True))


def organization_members(organization: Organization) -> tuple[list[Contact], int]:
    members = organization.contacts.filter(merged_into__isnull=True).order_by("name", "pk")
    return list(members[:MEMBERS_SHOWN]), members.count()
