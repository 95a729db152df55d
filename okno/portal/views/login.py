"""Magic-link login: email in, single-use link out, POST to use it."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.portal import ratelimit
from okno.portal.auth import login_contact, logout_contact
from okno.portal.forms import LoginForm
from okno.portal.services import magic_link_consume, magic_link_peek, magic_link_request
from okno.portal.views.common import client_ip, render_portal

NEXT_KEY = "portal_next"


def _safe_next(request, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


@require_http_methods(["GET", "POST"])
def login(request):
    if request.method == "GET":
        form = LoginForm()
        return render_portal(request, "portal/login.html", {"form": form})
    form = LoginForm(request.POST)
    if not form.is_valid():
        return render_portal(request, "portal/login.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    if not ratelimit.hit_all("login", {"ip": client_ip(request), "email": email}):
        form.add_error(None, _("Too many login attempts. Please wait ten minutes."))
        return render_portal(request, "portal/login.html", {"form": form}, status=429)
    magic_link_request(email=email)
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[NEXT_KEY] = next_url
    # The same answer whether or not we know the address.
    return redirect("portal:login_sent")


@require_GET
def login_sent(request):
    return render_portal(request, "portal/login_sent.html")


@require_http_methods(["GET", "POST"])
def magic(request, token: str):
    # GET only shows a button: mail scanners that follow links must not use them up.
    if request.method == "GET":
        valid = magic_link_peek(token) is not None
        return render_portal(
            request, "portal/magic.html", {"valid": valid}, status=200 if valid else 400
        )
    contact = magic_link_consume(token)
    if contact is None:
        return render_portal(request, "portal/magic.html", {"valid": False}, status=400)
    next_url = _safe_next(request, request.session.pop(NEXT_KEY, None))
    login_contact(request, contact)
    return redirect(next_url or "portal:tickets")


@require_POST
def logout(request):
    logout_contact(request)
    return redirect("portal:home")
