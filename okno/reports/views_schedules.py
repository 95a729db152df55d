"""Settings page of scheduled report emails (administrators)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from okno.core.errors import ValidationFailed
from okno.reports import schedules as svc
from okno.reports.models_stats import Frequency, ReportSchedule
from okno.reports.tables import TABLES
from okno.web.views.admin_common import settings_view


class ScheduleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=[])
    frequency = forms.ChoiceField(label=gettext_lazy("Frequency"), choices=Frequency.choices)
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")]
    )
    recipients = forms.CharField(
        label=gettext_lazy("Recipients"),
        help_text=gettext_lazy("Emails of team members, one a line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, title) for k, (title, _fn) in TABLES.items()]


@settings_view
def schedules(request):
    return render(request, "reports/schedules.html", {"schedules": ReportSchedule.objects.all()})


@settings_view
def schedule_form(request, pk: int | None = None):
    schedule = get_object_or_404(ReportSchedule, pk=pk) if pk else None
    initial = {}
    if schedule:
        initial = {
            "name": schedule.name, "kind": schedule.kind, "frequency": schedule.frequency,
            "file_format": schedule.file_format, "recipients": "\n".join(schedule.recipients),
        }  # fmt: skip
    form = ScheduleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.schedule_save(
                schedule=schedule,
                name=data["name"],
                kind=data["kind"],
                frequency=data["frequency"],
                file_format=data["file_format"],
                recipients=data["recipients"].split(),
                filters=schedule.filters if schedule else {},
            )
        except ValidationFailed as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("reports:schedules")
    if request.method == "POST":
        status = 400
    return render(
        request, "reports/schedule_form.html", {"form": form, "schedule": schedule}, status=status
    )


@require_POST
@settings_view
def schedule_delete(request, pk: int):
    svc.schedule_delete(schedule=get_object_or_404(ReportSchedule, pk=pk))
    messages.success(request, _("Deleted."))
    return redirect("reports:schedules")
