"""/tags: every staff member reads; tickets create tags by use, admins rename."""

from django.utils.translation import gettext as _
from ninja import Router, Status

from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.catalog import TagIn, TagOut
from okno.api.schemas.common import Id
from okno.core.errors import ValidationFailed
from okno.tickets.models import Tag
from okno.tickets.services.lifecycle import tags_by_name
from okno.tickets.services.settings import tag_rename

router = Router(tags=["tags"])


@router.get("/tags", response={200: list[TagOut], **COMMON_ERRORS})
def tags_list(request):
    require_staff(request.auth)
    return list(Tag.objects.order_by("name"))


@router.post("/tags", response={201: TagOut, **COMMON_ERRORS})
def tags_create(request, payload: TagIn):
    require_admin(request.auth)
    tags = tags_by_name([payload.name])
    if not tags:
        raise ValidationFailed(_("The name is required."), field="name")
    return Status(201, tags[0])


@router.patch("/tags/{int:tag_id}", response={200: TagOut, **COMMON_ERRORS})
def tags_update(request, tag_id: Id, payload: TagIn):
    actor = require_admin(request.auth)
    return tag_rename(actor=actor, tag=get_or_404(Tag, tag_id), name=payload.name)
