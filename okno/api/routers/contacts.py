"""/contacts: staff only. Every staff member reads; light agents do not edit."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from okno.api.auth import require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.pagination import PageQuery, decode
from okno.api.schemas.common import Id
from okno.api.schemas.directory import (
    ContactCreateIn,
    ContactOut,
    ContactPage,
    ContactPatchIn,
    IdentityIn,
    IdentityOut,
)
from okno.contacts import selectors
from okno.contacts.models import Organization
from okno.contacts.services import (
    contact_create,
    contact_identity_add,
    contact_remove_identity,
    contact_update,
)
from okno.core.errors import NotAllowed, ValidationFailed
from okno.tickets.permissions import can_manage_contacts

router = Router(tags=["contacts"])


def contact_editor(principal):
    if not can_manage_contacts(principal):
        raise NotAllowed(_("You may not edit contacts."))
    return principal


def contact_or_404(number: Id):
    contact = selectors.contact_get(number)
    if contact is None:
        raise Http404("no such contact")
    return contact


def _organization(value):
    if value is None:
        return None
    organization = Organization.objects.filter(pk=value).first()
    if organization is None:
        raise ValidationFailed(_("No such organization."), field="organization")
    return organization


@router.get("/contacts", response={200: ContactPage, **COMMON_ERRORS})
def contacts_list(request, params: Query[PageQuery]):
    """Contacts by name; `q` matches name, email, phone or any address."""
    require_staff(request.auth)
    decode(params.cursor)
    page = selectors.contact_list(query=params.q, cursor=params.cursor, limit=params.limit)
    return {"results": page.rows, "next_cursor": page.next_cursor}


@router.post("/contacts", response={201: ContactOut, **COMMON_ERRORS})
def contacts_create(request, payload: ContactCreateIn):
    actor = contact_editor(request.auth)
    contact = contact_create(
        actor=actor,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        organization=_organization(payload.organization),
        language=_language(payload.language),
        timezone=payload.timezone,
        notes=payload.notes,
    )
    return Status(201, contact)


def _language(value: str) -> str:
    from django.conf import settings

    if value not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose a language."), field="language")
    return value


@router.get("/contacts/{int:contact_id}", response={200: ContactOut, **COMMON_ERRORS})
def contacts_get(request, contact_id: Id):
    require_staff(request.auth)
    return contact_or_404(contact_id)


@router.patch("/contacts/{int:contact_id}", response={200: ContactOut, **COMMON_ERRORS})
def contacts_update(request, contact_id: Id, payload: ContactPatchIn):
    actor = contact_editor(request.auth)
    contact = contact_or_404(contact_id)
    data = payload.dict(exclude_unset=True)
    return contact_update(
        contact=contact,
        actor=actor,
        name=data.get("name", contact.name) or "",
        organization=_organization(data["organization"])
        if "organization" in data
        else contact.organization,
        language=_language(data.get("language") or contact.language),
        timezone=data.get("timezone", contact.timezone) or "",
        notes=data.get("notes", contact.notes) or "",
        account_manager=contact.account_manager,
    )


@router.get(
    "/contacts/{int:contact_id}/identities", response={200: list[IdentityOut], **COMMON_ERRORS}
)
def identities_list(request, contact_id: Id):
    require_staff(request.auth)
    return selectors.contact_identities(contact_or_404(contact_id))


@router.post("/contacts/{int:contact_id}/identities", response={201: IdentityOut, **COMMON_ERRORS})
def identities_add(request, contact_id: Id, payload: IdentityIn):
    """Another address of the contact: email, phone, telegram, whatsapp, …"""
    from okno.contacts.models import IdentityKind

    contact_editor(request.auth)
    if payload.kind not in IdentityKind.values:
        raise ValidationFailed(_("Unknown kind of address."), field="kind")
    if not payload.value.strip():
        raise ValidationFailed(_("The address is required."), field="value")
    # Another contact's address: 422 "identity_taken", its details naming that contact
    # and the merge suggestion made (as the contact card does).
    identity = contact_identity_add(
        contact=contact_or_404(contact_id), kind=payload.kind, value=payload.value
    )
    return Status(201, identity)


@router.delete(
    "/contacts/{int:contact_id}/identities/{int:identity_id}",
    response={204: None, **COMMON_ERRORS},
)
def identities_remove(request, contact_id: Id, identity_id: Id):
    actor = contact_editor(request.auth)
    contact_remove_identity(
        contact=contact_or_404(contact_id), identity_id=identity_id, actor=actor
    )
    return HttpResponse(status=204)
