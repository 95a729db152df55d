"""Saving the current search as a named view; renaming, sharing, deleting own views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from okno.core.errors import ServiceError
from okno.tickets.services.views import (
    saved_view_create,
    saved_view_delete,
    saved_view_get_own,
    saved_view_update,
)


def _inbox(view: str = "") -> str:
    return reverse("web:inbox") + (f"?view={view}" if view else "")


@login_required
@require_POST
def saved_view_create_view(request):
    try:
        view = saved_view_create(
            owner=request.user,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "on",
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_inbox())
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_inbox(f"saved-{view.pk}"))


@login_required
@require_POST
def saved_view_update_view(request, view_id):
    view = saved_view_get_own(request.user, view_id)
    try:
        saved_view_update(
            view=view,
            name=request.POST.get("name", ""),
            query=request.POST.get("query") or None,
            shared=request.POST.get("shared") == "on",
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_inbox(f"saved-{view.pk}"))


@login_required
@require_POST
def saved_view_delete_view(request, view_id):
    view = saved_view_get_own(request.user, view_id)
    saved_view_delete(view=view)
    messages.success(request, _("View deleted."))
    return redirect(_inbox())
