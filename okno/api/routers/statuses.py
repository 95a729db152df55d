"""/statuses: admin-named statuses inside the fixed categories."""

from ninja import Router, Status

from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.catalog import StatusIn, StatusOut, StatusPatchIn
from okno.api.schemas.common import Id
from okno.tickets.models import Status as TicketStatus
from okno.tickets.services.settings import (
    status_create,
    status_rename,
    status_set_active,
    status_set_default,
)

router = Router(tags=["statuses"])


@router.get("/statuses", response={200: list[StatusOut], **COMMON_ERRORS})
def statuses_list(request):
    require_staff(request.auth)
    return list(TicketStatus.objects.order_by("position", "id"))


@router.post("/statuses", response={201: StatusOut, **COMMON_ERRORS})
def statuses_create(request, payload: StatusIn):
    actor = require_admin(request.auth)
    return Status(201, status_create(actor=actor, name=payload.name, category=payload.category))


@router.patch("/statuses/{int:status_id}", response={200: StatusOut, **COMMON_ERRORS})
def statuses_update(request, status_id: Id, payload: StatusPatchIn):
    """Rename, (de)activate, or make the default of its category."""
    actor = require_admin(request.auth)
    status = get_or_404(TicketStatus, status_id)
    data = payload.dict(exclude_unset=True)
    if data.get("name") is not None:
        status = status_rename(actor=actor, status=status, name=data["name"])
    if data.get("is_active") is not None:
        status = status_set_active(actor=actor, status=status, active=data["is_active"])
    if data.get("is_default"):
        status = status_set_default(actor=actor, status=status)
    return status
