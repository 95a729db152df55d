"""The help center's name, logo and colour (/kb/branding/, admins only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from okno.core.errors import ServiceError
from okno.kb.branding import branding_get, theme_color
from okno.kb.forms import BrandingForm
from okno.kb.services_branding import branding_update
from okno.tickets.permissions import staff_can_manage


@login_required
@require_http_methods(["GET", "POST"])
def branding_edit(request):
    if not staff_can_manage(request.user, "settings"):
        raise PermissionDenied
    branding = branding_get()
    if request.method == "GET":
        initial = {"company_name": branding.company_name, "primary_color": theme_color(branding)}
        return render(
            request,
            "kb/agent/branding.html",
            {"form": BrandingForm(initial=initial), "branding": branding},
        )
    form = BrandingForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            branding_update(
                actor=request.user,
                company_name=data["company_name"],
                primary_color=data["primary_color"],
                logo=data["logo"],
                clear_logo=data["clear_logo"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The help center's look is saved."))
            return redirect("kb_admin:branding")
    return render(
        request, "kb/agent/branding.html", {"form": form, "branding": branding}, status=400
    )
