from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from okno.portal.auth import LANGUAGE_KEY


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        request.session[LANGUAGE_KEY] = language
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return redirect(next_url or "portal:home")
