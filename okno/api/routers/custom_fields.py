"""/custom-fields: the extra fields tickets carry."""

from ninja import Router, Status

from okno.api.auth import require_admin, require_staff
from okno.api.errors import COMMON_ERRORS
from okno.api.routers.catalog import get_or_404
from okno.api.schemas.catalog import CustomFieldIn, CustomFieldOut, CustomFieldPatchIn
from okno.api.schemas.common import Id
from okno.tickets.models import CustomField
from okno.tickets.services.settings import custom_field_save

router = Router(tags=["custom fields"])


@router.get("/custom-fields", response={200: list[CustomFieldOut], **COMMON_ERRORS})
def custom_fields_list(request):
    require_staff(request.auth)
    return list(CustomField.objects.order_by("position", "id"))


@router.post("/custom-fields", response={201: CustomFieldOut, **COMMON_ERRORS})
def custom_fields_create(request, payload: CustomFieldIn):
    actor = require_admin(request.auth)
    return Status(201, custom_field_save(actor=actor, **payload.dict()))


@router.patch("/custom-fields/{int:field_id}", response={200: CustomFieldOut, **COMMON_ERRORS})
def custom_fields_update(request, field_id: Id, payload: CustomFieldPatchIn):
    actor = require_admin(request.auth)
    field = get_or_404(CustomField, field_id)
    current = {
        "label": field.label,
        "kind": field.kind,
        "options": field.options,
        "required_to_solve": field.required_to_solve,
        "visible_to_customer": field.visible_to_customer,
        "is_active": field.is_active,
    }
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return custom_field_save(actor=actor, field=field, key=field.key, **{**current, **changes})
