"""/groups: the departments tickets are routed to."""

from ninja import Router, Status

from okno.accounts.admin_services import group_save
from okno.accounts.models import Group, User
from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.catalog import GroupIn, GroupOut, GroupPatchIn
from okno.api.schemas.common import Id

router = Router(tags=["groups"])


def _groups():
    return Group.objects.prefetch_related("members").order_by("name", "pk")


@router.get("/groups", response={200: list[GroupOut], **COMMON_ERRORS})
def groups_list(request):
    require_staff(request.auth)
    return list(_groups())


@router.post("/groups", response={201: GroupOut, **COMMON_ERRORS})
def groups_create(request, payload: GroupIn):
    actor = require_admin(request.auth)
    members = list(User.objects.filter(pk__in=payload.members))
    group = group_save(
        actor=actor, name=payload.name, description=payload.description, members=members
    )
    return Status(201, get_or_404(Group, group.pk, _groups()))


@router.get("/groups/{int:group_id}", response={200: GroupOut, **COMMON_ERRORS})
def groups_get(request, group_id: Id):
    require_staff(request.auth)
    return get_or_404(Group, group_id, _groups())


@router.patch("/groups/{int:group_id}", response={200: GroupOut, **COMMON_ERRORS})
def groups_update(request, group_id: Id, payload: GroupPatchIn):
    actor = require_admin(request.auth)
    group = get_or_404(Group, group_id, _groups())
    data = payload.dict(exclude_unset=True)
    members = (
        list(User.objects.filter(pk__in=data["members"] or []))
        if "members" in data
        else list(group.members.all())
    )
    group_save(
        actor=actor,
        group=group,
        name=data.get("name") or group.name,
        description=data.get("description", group.description) or "",
        members=members,
    )
    return get_or_404(Group, group_id, _groups())
