"""/categories: the tree of request categories."""

from django.utils.translation import gettext as _
from ninja import Router, Status

from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.catalog import CategoryIn, CategoryOut, CategoryPatchIn
from okno.api.schemas.common import Id
from okno.core.errors import ValidationFailed
from okno.tickets.models import Category
from okno.tickets.services.settings import category_save, category_tree

router = Router(tags=["categories"])


def _parent(value):
    if value is None:
        return None
    parent = Category.objects.filter(pk=value).first()
    if parent is None:
        raise ValidationFailed(_("No such category."), field="parent")
    return parent


@router.get("/categories", response={200: list[CategoryOut], **COMMON_ERRORS})
def categories_list(request):
    """Parents before their children."""
    require_staff(request.auth)
    return [row for row, _depth in category_tree()]


@router.post("/categories", response={201: CategoryOut, **COMMON_ERRORS})
def categories_create(request, payload: CategoryIn):
    actor = require_admin(request.auth)
    category = category_save(
        actor=actor, name=payload.name, parent=_parent(payload.parent), position=payload.position
    )
    return Status(201, category)


@router.patch("/categories/{int:category_id}", response={200: CategoryOut, **COMMON_ERRORS})
def categories_update(request, category_id: Id, payload: CategoryPatchIn):
    actor = require_admin(request.auth)
    category = get_or_404(Category, category_id)
    data = payload.dict(exclude_unset=True)
    return category_save(
        actor=actor,
        category=category,
        name=data.get("name") or category.name,
        parent=_parent(data["parent"]) if "parent" in data else category.parent,
        position=data.get("position") if data.get("position") is not None else category.position,
    )
