"""The away switch, the supervisors' team page and the assignment settings pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.accounts.models import Group, User
from okno.assignment import services
from okno.assignment.forms import AgentProfileForm, GroupAssignmentForm
from okno.assignment.models import AgentProfile, GroupAssignment
from okno.assignment.selectors import ASSIGNABLE_ROLES, team_load
from okno.tickets.permissions import is_staff, staff_can_manage
from okno.web.views.admin_common import form_page, settings_view

INDEX = "assignment:settings"


@require_POST
@login_required
def availability(request):
    """The top bar's switch: away (no new tickets) or available."""
    if not is_staff(request.user):
        raise PermissionDenied
    services.agent_set_away(user=request.user, away=request.POST.get("away") == "1")
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("web:inbox")
    return redirect(back)


@require_GET
@login_required
def team(request):
    """Each agent's load now: supervisors and administrators."""
    if not staff_can_manage(request.user, "directory"):
        raise PermissionDenied
    return render(request, "assignment/team.html", {"agents": team_load(now=timezone.now())})


@require_GET
@settings_view
def settings_index(request):
    rows = {r.group_id: r for r in GroupAssignment.objects.all()}
    groups = [{"group": g, "settings": rows.get(g.pk)} for g in Group.objects.all()]
    agents = (
        User.objects.filter(is_active=True, role__in=ASSIGNABLE_ROLES)
        .select_related("agent_profile")
        .prefetch_related("agent_profile__skill_categories")
    )
    return render(request, "assignment/settings.html", {"groups": groups, "agents": agents})


@require_http_methods(["GET", "POST"])
@settings_view
def group_edit(request, pk: int):
    group = get_object_or_404(Group, pk=pk)
    row = GroupAssignment.objects.filter(group=group).first()
    form = GroupAssignmentForm(request.POST or None, initial=GroupAssignmentForm.initial_for(row))

    def save():
        services.group_assignment_save(actor=request.user, group=group, **form.cleaned_data)

    title = _("Assignment in %(group)s") % {"group": group.name}
    back = reverse(INDEX)
    return form_page(request, form, save, title=title, back=back, done=back)


@require_http_methods(["GET", "POST"])
@settings_view
def agent_edit(request, pk: int):
    agent = get_object_or_404(User, pk=pk, role__in=ASSIGNABLE_ROLES)
    profile = AgentProfile.objects.filter(user=agent).first()
    form = AgentProfileForm(request.POST or None, initial=AgentProfileForm.initial_for(profile))

    def save():
        services.agent_profile_save(
            actor=request.user,
            user=agent,
            capacity=form.cleaned_data["capacity"],
            skill_categories=form.cleaned_data["skill_categories"],
            skill_tags=form.tags(),
            weekly_hours=form.weekly_hours(),
            days_off=form.dates(),
        )

    title = _("Capacity, skills and schedule of %(name)s") % {"name": agent.name}
    back = reverse(INDEX)
    return form_page(request, form, save, title=title, back=back, done=back)
