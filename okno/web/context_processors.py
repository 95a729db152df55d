from django.conf import settings

from okno.tickets.permissions import staff_can_manage


def okno(request):
    """Navigation flags for the layout: templates decide nothing themselves."""
    user = getattr(request, "user", None)
    return {
        "OKNO_LANGUAGES": settings.LANGUAGES,
        "nav_settings": bool(
            user is not None and user.is_authenticated and staff_can_manage(user, "settings")
        ),
        "nav_reports": bool(
            user is not None and user.is_authenticated and staff_can_manage(user, "directory")
        ),
    }
