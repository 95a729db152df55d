"""/users: staff read the team; admins add people."""

from django.http import Http404
from ninja import Query, Router, Status

from okno.accounts.admin_services import user_create
from okno.accounts.models import Group, User
from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.pagination import PageQuery, name_page
from okno.api.schemas.common import Id
from okno.api.schemas.directory import UserCreateIn, UserOut, UserPage

router = Router(tags=["users"])


def _users():
    return User.objects.prefetch_related("agent_groups")


@router.get("/users", response={200: UserPage, **COMMON_ERRORS})
def users_list(request, params: Query[PageQuery]):
    require_staff(request.auth)
    users = _users()
    if params.q.strip():
        users = users.filter(name__icontains=params.q.strip()) | users.filter(
            email__icontains=params.q.strip()
        )
    rows, next_cursor = name_page(users, params.cursor, params.limit)
    return {"results": rows, "next_cursor": next_cursor}


@router.get("/users/{int:user_id}", response={200: UserOut, **COMMON_ERRORS})
def users_get(request, user_id: Id):
    require_staff(request.auth)
    user = _users().filter(pk=user_id).first()
    if user is None:
        raise Http404("no such user")
    return user


@router.post("/users", response={201: UserOut, **COMMON_ERRORS})
def users_create(request, payload: UserCreateIn):
    actor = require_admin(request.auth)
    user = user_create(
        actor=actor,
        email=payload.email,
        name=payload.name,
        password=payload.password,
        role=payload.role,
        groups=list(Group.objects.filter(pk__in=payload.groups)),
        ticket_scope=payload.ticket_scope,
        language=payload.language,
        timezone=payload.timezone,
    )
    return Status(201, _users().get(pk=user.pk))
