"""Settings › Groups: the departments tickets are routed to, and their members."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.accounts import admin_services
from okno.accounts.models import Group
from okno.web.forms.admin import GroupForm
from okno.web.views.admin_common import action, form_page, settings_view


@require_GET
@settings_view
def group_list(request):
    groups = Group.objects.annotate(member_count=Count("members")).order_by("name")
    return render(request, "web/admin/groups.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@settings_view
def group_new(request):
    form = GroupForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda: admin_services.group_save(actor=request.user, **form.cleaned_data),
        title=_("New group"),
        back=reverse("web:settings_groups"),
        done=reverse("web:settings_groups"),
    )


@require_http_methods(["GET", "POST"])
@settings_view
def group_edit(request, pk: int):
    group = get_object_or_404(Group, pk=pk)
    initial = {
        "name": group.name,
        "description": group.description,
        "members": list(group.members.all()),
    }
    form = GroupForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: admin_services.group_save(actor=request.user, group=group, **form.cleaned_data),
        title=_("Group %(name)s") % {"name": group.name},
        back=reverse("web:settings_groups"),
        done=reverse("web:settings_groups"),
        delete_url=reverse("web:settings_group_delete", args=[group.pk]),
    )


@require_POST
@settings_view
def group_delete(request, pk: int):
    group = get_object_or_404(Group, pk=pk)
    return action(
        request,
        lambda: admin_services.group_delete(actor=request.user, group=group),
        done=reverse("web:settings_groups"),
        success=_("Group deleted."),
    )
