"""Settings › Users: list, create, edit, set a password, deactivate (never delete)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.accounts import admin_services
from okno.accounts.models import User
from okno.web.forms.admin import PasswordForm, UserForm
from okno.web.views.admin_common import action, form_page, settings_view


@require_GET
@settings_view
def user_list(request):
    users = User.objects.prefetch_related("agent_groups").order_by("-is_active", "name")
    return render(request, "web/admin/users.html", {"users": users})


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@settings_view
def user_new(request):
    form = UserForm(request.POST or None, creating=True, initial={"timezone": "UTC"})

    def save():
        data = form.cleaned_data
        admin_services.user_create(actor=request.user, **data)

    return form_page(
        request,
        form,
        save,
        title=_("New user"),
        back=reverse("web:settings_users"),
        done=reverse("web:settings_users"),
    )


@require_http_methods(["GET", "POST"])
@settings_view
def user_edit(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    initial = {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "ticket_scope": user.ticket_scope,
        "groups": list(user.agent_groups.all()),
        "language": user.language,
        "timezone": user.timezone,
    }
    form = UserForm(request.POST or None, initial=initial)

    def save():
        admin_services.user_update(actor=request.user, user=user, **form.cleaned_data)

    return form_page(
        request,
        form,
        save,
        title=_("User %(name)s") % {"name": user.name},
        back=reverse("web:settings_users"),
        done=reverse("web:settings_users"),
        template="web/admin/user_form.html",
        subject=user,
        password_form=PasswordForm(),
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@settings_view
def user_password(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = PasswordForm(request.POST or None)

    def save():
        admin_services.user_set_password(
            actor=request.user, user=user, password=form.cleaned_data["password"]
        )

    back = reverse("web:settings_user", args=[user.pk])
    return form_page(
        request,
        form,
        save,
        title=_("Password of %(name)s") % {"name": user.name},
        back=back,
        done=back,
    )


@require_POST
@settings_view
def user_active(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    return action(
        request,
        lambda: admin_services.user_set_active(actor=request.user, user=user, active=active),
        done=reverse("web:settings_users"),
        success=_("User activated.") if active else _("User deactivated."),
    )
