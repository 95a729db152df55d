"""What every portal page needs: the customer, the languages, service errors on forms."""

from django.conf import settings
from django.shortcuts import render

from okno.core.errors import ServiceError
from okno.portal.auth import current_contact

# Service error fields that are named differently on the portal forms.
FIELD_ALIASES = {"body": "text", "contact": "email"}


def render_portal(request, template: str, context: dict | None = None, *, status: int = 200):
    page = {
        "portal_contact": current_contact(request),
        "portal_languages": settings.LANGUAGES,
        # Where the language switcher returns to; a POST-only URL would answer 405.
        "portal_next": request.get_full_path() if request.method == "GET" else "",
        **(context or {}),
    }
    return render(request, template, page, status=status)


def add_service_error(form, exc: ServiceError) -> None:
    field = FIELD_ALIASES.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wants it to be unless
    # a trusted proxy rewrites it, and the proxy setup is not ours to guess.
    return request.META.get("REMOTE_ADDR", "")
