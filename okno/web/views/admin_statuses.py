"""Settings › Statuses: named statuses inside the fixed categories the code knows."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.tickets.models import Status, StatusCategory, Ticket
from okno.tickets.services import settings as ticket_settings
from okno.web.forms.admin import StatusForm
from okno.web.views.admin_common import action, form_page, settings_view


@require_GET
@settings_view
def status_list(request):
    usage = dict(Ticket.objects.values_list("status_id").annotate(n=Count("number")).order_by())
    statuses = list(Status.objects.order_by("position", "id"))
    for status in statuses:
        status.ticket_count = usage.get(status.pk, 0)
    categories = [
        (label, [s for s in statuses if s.category == value])
        for value, label in StatusCategory.choices
    ]
    return render(request, "web/admin/statuses.html", {"categories": categories})


@require_http_methods(["GET", "POST"])
@settings_view
def status_new(request):
    form = StatusForm(request.POST or None, initial={"category": request.GET.get("category")})
    return form_page(
        request,
        form,
        lambda: ticket_settings.status_create(actor=request.user, **form.cleaned_data),
        title=_("New status"),
        back=reverse("web:settings_statuses"),
        done=reverse("web:settings_statuses"),
    )


@require_http_methods(["GET", "POST"])
@settings_view
def status_edit(request, pk: int):
    status = get_object_or_404(Status, pk=pk)
    form = StatusForm(request.POST or None, creating=False, initial={"name": status.name})
    return form_page(
        request,
        form,
        lambda: ticket_settings.status_rename(
            actor=request.user, status=status, name=form.cleaned_data["name"]
        ),
        title=_("Rename status %(name)s") % {"name": status},
        back=reverse("web:settings_statuses"),
        done=reverse("web:settings_statuses"),
    )


def _status_action(request, pk: int, call, success: str):
    status = get_object_or_404(Status, pk=pk)
    return action(
        request,
        lambda: call(actor=request.user, status=status),
        done=reverse("web:settings_statuses"),
        success=success,
    )


@require_POST
@settings_view
def status_default(request, pk: int):
    return _status_action(
        request, pk, ticket_settings.status_set_default, _("Default status changed.")
    )


@require_POST
@settings_view
def status_active(request, pk: int):
    active = request.POST.get("active") == "1"

    def call(**kwargs):
        ticket_settings.status_set_active(active=active, **kwargs)

    return _status_action(
        request, pk, call, _("Status activated.") if active else _("Status deactivated.")
    )


@require_POST
@settings_view
def status_move(request, pk: int):
    up = request.POST.get("direction") == "up"

    def call(**kwargs):
        ticket_settings.status_move(up=up, **kwargs)

    return _status_action(request, pk, call, _("Order changed."))


@require_POST
@settings_view
def status_delete(request, pk: int):
    return _status_action(request, pk, ticket_settings.status_delete, _("Status deleted."))
