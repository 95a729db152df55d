"""What every settings page shares: the admin-only gate and the form round trip."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from okno.core.errors import ServiceError
from okno.tickets.permissions import staff_can_manage
from okno.web.forms.directory import apply_service_error


def settings_view(view):
    """Admins only; anyone else signed in gets 403 (and strangers the login page)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not staff_can_manage(request.user, "settings"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def form_page(
    request,
    form,
    save: Callable,
    *,
    title: str,
    back: str,
    done: str,
    template: str = "web/admin/form.html",
    **extra,
):
    """Render `form`; on a valid POST call `save()` and go to `done`.

    A `ServiceError` from the service is shown next to the field it names, and the
    page answers 400 so a script posting bad data can tell.
    """
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save()
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(done)
        status = 400
    context = {"form": form, "title": title, "back": back, **extra}
    return render(request, template, context, status=status)


def action(request, call: Callable, *, done: str, success: str):
    """A one-button POST (delete, deactivate…): run it, flash the outcome, go back."""
    try:
        call()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(done)
