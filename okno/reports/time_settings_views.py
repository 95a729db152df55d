"""Settings › Time tracking: activity types with default rates, and organizations'
own hourly rates. Supervisors and admins (they run the billing)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from okno.contacts.models import Organization
from okno.core.errors import ServiceError
from okno.reports import timetracking as svc
from okno.reports.models_time import ActivityType, OrganizationRate
from okno.tickets.permissions import is_staff


class ActivityForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    billable = forms.BooleanField(
        label=gettext_lazy("Billable by default"), required=False, initial=True
    )
    hourly_rate = forms.DecimalField(
        label=gettext_lazy("Default hourly rate"), min_value=0, max_digits=10, decimal_places=2
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class RateForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"), queryset=Organization.objects.order_by("name")
    )
    hourly_rate = forms.DecimalField(
        label=gettext_lazy("Hourly rate"), min_value=0, max_digits=10, decimal_places=2
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"), max_length=3, initial=svc.DEFAULT_CURRENCY
    )


@login_required
@require_http_methods(["GET", "POST"])
def time_settings(request):
    user = request.user
    if not is_staff(user) or not svc.is_manager(user):
        raise PermissionDenied
    which = request.POST.get("form")
    activity_form = ActivityForm(request.POST if which == "activity" else None, prefix="a")
    rate_form = RateForm(request.POST if which == "rate" else None, prefix="r")
    form = {"activity": activity_form, "rate": rate_form}.get(which)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if which == "activity":
                existing = ActivityType.objects.filter(name__iexact=data["name"]).first()
                svc.activity_save(actor=user, activity=existing, **data)
            else:
                svc.organization_rate_set(actor=user, **data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("timetracking:settings")
    context = {
        "activities": ActivityType.objects.all(),
        "rates": OrganizationRate.objects.select_related("organization").order_by(
            "organization__name"
        ),
        "activity_form": activity_form,
        "rate_form": rate_form,
    }
    return render(
        request, "reports/time/settings.html", context, status=400 if form is not None else 200
    )
