"""/me: who the token belongs to."""

from ninja import Router

from okno.api.errors import COMMON_ERRORS
from okno.api.schemas.directory import MeOut
from okno.tickets.permissions import is_customer

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **COMMON_ERRORS})
def me(request):
    principal = request.auth
    if is_customer(principal):
        return MeOut(
            type="contact",
            id=principal.pk,
            name=principal.name,
            email=principal.email,
            organization=principal.organization if principal.organization_id else None,
            language=principal.language,
            timezone=principal.timezone,
        )
    return MeOut(
        type="user",
        id=principal.pk,
        name=principal.name,
        email=principal.email,
        role=principal.role,
        language=principal.language,
        timezone=principal.timezone,
    )
