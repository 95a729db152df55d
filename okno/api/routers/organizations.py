"""/organizations: staff read; editors (not light agents) create and change."""

from django.http import Http404
from ninja import Query, Router, Status

from okno.api.auth import require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.lookups import assignee_ref
from okno.api.pagination import PageQuery, decode
from okno.api.routers.contacts import contact_editor
from okno.api.schemas.common import Id
from okno.api.schemas.directory import (
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatchIn,
)
from okno.contacts import selectors
from okno.contacts.services import organization_save

router = Router(tags=["organizations"])


def _organization(organization_id: Id):
    organization = selectors.organization_get(organization_id)
    if organization is None:
        raise Http404("no such organization")
    return organization


def _manager(value):
    return assignee_ref(value, field="account_manager")


@router.get("/organizations", response={200: OrganizationPage, **COMMON_ERRORS})
def organizations_list(request, params: Query[PageQuery]):
    require_staff(request.auth)
    decode(params.cursor)
    page = selectors.organization_list(query=params.q, cursor=params.cursor, limit=params.limit)
    return {"results": page.rows, "next_cursor": page.next_cursor}


@router.post("/organizations", response={201: OrganizationOut, **COMMON_ERRORS})
def organizations_create(request, payload: OrganizationIn):
    actor = contact_editor(request.auth)
    organization = organization_save(
        actor=actor,
        name=payload.name,
        shares_tickets=payload.shares_tickets,
        account_manager=_manager(payload.account_manager),
        notes=payload.notes,
        domains=payload.domains,
    )
    return Status(201, organization)


@router.get(
    "/organizations/{int:organization_id}", response={200: OrganizationOut, **COMMON_ERRORS}
)
def organizations_get(request, organization_id: Id):
    require_staff(request.auth)
    return _organization(organization_id)


@router.patch(
    "/organizations/{int:organization_id}", response={200: OrganizationOut, **COMMON_ERRORS}
)
def organizations_update(request, organization_id: Id, payload: OrganizationPatchIn):
    actor = contact_editor(request.auth)
    organization = _organization(organization_id)
    data = payload.dict(exclude_unset=True)
    return organization_save(
        organization=organization,
        actor=actor,
        name=data.get("name") or organization.name,
        shares_tickets=data.get("shares_tickets", organization.shares_tickets),
        account_manager=_manager(data["account_manager"])
        if "account_manager" in data
        else organization.account_manager,
        notes=data.get("notes", organization.notes) or "",
        domains=data.get("domains"),
    )
