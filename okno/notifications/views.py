"""/notifications/ (the list, mark read) and /profile/notifications/ (preferences)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.notifications import services
from okno.notifications.models import DEFAULTS, Kind, Notification
from okno.notifications.texts import describe
from okno.tickets.permissions import is_staff


def staff_view(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@staff_view
def notification_list(request):
    rows = Notification.objects.filter(user=request.user, in_app=True)
    if request.GET.get("unread"):
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    items = [{"n": n, "text": describe(n)} for n in page.object_list]
    template = "notifications/_items.html" if request.htmx else "notifications/list.html"
    return render(
        request,
        template,
        {"items": items, "page": page, "unread_only": bool(request.GET.get("unread"))},
    )


@require_POST
@staff_view
def notification_read(request, pk: int):
    services.mark_read(user=request.user, ids=[pk])
    target = Notification.objects.filter(user=request.user, pk=pk).values("ticket_id").first()
    if request.POST.get("open") and target and target["ticket_id"]:
        return redirect("web:ticket", target["ticket_id"])
    return redirect("notifications:list")


@require_POST
@staff_view
def notification_read_all(request):
    services.mark_all_read(user=request.user)
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@staff_view
def preferences(request):
    if request.method == "POST":
        choices = {
            kind: (
                request.POST.get(f"{kind}_in_app") == "on",
                request.POST.get(f"{kind}_email") == "on",
            )
            for kind in Kind.values
        }
        services.preferences_save(user=request.user, choices=choices)

        messages.success(request, _("Saved."))
        return redirect("notifications:preferences")
    current = services.preferences_for(request.user)
    rows = [
        {"kind": kind, "label": label, "in_app": current[kind][0], "email": current[kind][1]}
        for kind, label in Kind.choices
        if kind in DEFAULTS
    ]
    return render(request, "notifications/preferences.html", {"rows": rows})
