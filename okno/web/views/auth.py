"""Logging in and out (with TOTP as a second step) and the profile/security page."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from okno.accounts import services
from okno.accounts.forms import LoginForm, ProfileForm, TotpCodeForm
from okno.accounts.models import User
from okno.core.errors import ServiceError

# A password-checked user waits here until the code is verified; they are not
# logged in (no auth session) before that.
PENDING_USER = "okno_2fa_user"
PENDING_SINCE = "okno_2fa_since"
PENDING_NEXT = "okno_2fa_next"
PENDING_TTL = 5 * 60
SETUP_SECRET = "okno_totp_setup"  # noqa: S105 - a session key name


def _next_url(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _status_for(exc: ServiceError) -> int:
    return 429 if isinstance(exc, services.LoginThrottled) else 200


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_authenticate(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
            status = _status_for(exc)
        else:
            if user.has_2fa:
                request.session[PENDING_USER] = user.pk
                request.session[PENDING_SINCE] = time.time()
                request.session[PENDING_NEXT] = next_url
                return redirect("web:login_2fa")
            login(request, user)
            return redirect(next_url)
    context = {"form": form, "next": next_url}
    return render(request, "web/auth/login.html", context, status=status)


def _pending_user(request) -> User | None:
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if not user_id or time.time() - since > PENDING_TTL:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@never_cache
@require_http_methods(["GET", "POST"])
def login_2fa_view(request):
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Please log in again."))
        return redirect("web:login")
    form = TotpCodeForm(request.POST or None, autofocus=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify_login(request=request, user=user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            form.add_error("code", exc.message)
            status = _status_for(exc)
        else:
            next_url = request.session.get(PENDING_NEXT) or resolve_url(settings.LOGIN_REDIRECT_URL)
            for key in (PENDING_USER, PENDING_SINCE, PENDING_NEXT):
                request.session.pop(key, None)
            login(request, user)
            return redirect(next_url)
    return render(request, "web/auth/login_2fa.html", {"form": form}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


def _security_context(request) -> dict:
    """What the two-factor box shows: a fresh secret to scan, or the way to turn it off."""
    user = request.user
    if user.has_2fa:
        return {"has_2fa": True}
    secret = request.session.get(SETUP_SECRET) or services.totp_new_secret()
    request.session[SETUP_SECRET] = secret
    uri = services.totp_uri(user, secret)
    # The SVG is drawn by qrcode from our own data (a path, no text), so it is safe.
    qr = mark_safe(services.totp_qr_svg(uri))  # noqa: S308
    return {"has_2fa": False, "totp_secret": secret, "totp_uri": uri, "totp_qr": qr}


def _render_profile(request, *, form=None, code_form=None, status=200):
    context = {
        "form": form
        or ProfileForm(
            initial={
                "language": request.user.language,
                "timezone": request.user.timezone,
                "signature": request.user.signature,
            }
        ),
        "code_form": code_form or TotpCodeForm(),
        **_security_context(request),
    }
    return render(request, "web/auth/profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request):
    if request.method == "GET":
        return _render_profile(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("web:profile")
    return _render_profile(request, form=form, status=400)


@login_required
@require_POST
def totp_enable_view(request):
    code_form = TotpCodeForm(request.POST)
    if code_form.is_valid():
        try:
            services.totp_enable(
                user=request.user,
                secret=request.session.get(SETUP_SECRET, ""),
                code=code_form.cleaned_data["code"],
            )
        except ServiceError as exc:
            code_form.add_error("code", exc.message)
        else:
            request.session.pop(SETUP_SECRET, None)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("web:profile")
    return _render_profile(request, code_form=code_form, status=400)


@login_required
@require_POST
def totp_disable_view(request):
    code_form = TotpCodeForm(request.POST)
    if code_form.is_valid():
        try:
            services.totp_disable(user=request.user, code=code_form.cleaned_data["code"])
        except ServiceError as exc:
            code_form.add_error("code", exc.message)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("web:profile")
    return _render_profile(request, code_form=code_form, status=400)
