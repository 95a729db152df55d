"""Settings › SLA: business calendars (hours, holidays, custom dates) and the ordered
SLA policies with their targets. Administrators only; every write goes through
`okno.sla.admin_services`."""

import holidays
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.core.errors import ValidationFailed
from okno.sla import admin_services as svc
from okno.sla.admin_checks import DAYS, check_intervals, check_week
from okno.sla.forms import CalendarDateForm, CalendarForm, PolicyForm
from okno.sla.models import BusinessCalendar, CalendarDate, SlaPolicy
from okno.web.views.admin_common import action, form_page, settings_view

INDEX = "sla:index"


@require_GET
@settings_view
def sla_index(request):
    context = {
        "calendars": BusinessCalendar.objects.all(),
        "policies": list(SlaPolicy.objects.select_related("calendar").prefetch_related("targets")),
    }
    return render(request, "sla/index.html", context)


def _weekly_hours(form) -> dict:
    """The seven day fields as the service's {"0": [[start, end], …]} (refusing bad text)."""
    return {
        day: svc.parse_intervals_text(form.cleaned_data.get(f"day_{day}", ""), field=f"day_{day}")
        for day in DAYS
    }


def _form_fields(call):
    """Service errors name API paths ("weekly_hours.0"); the form calls it "day_0"."""

    def run():
        try:
            return call()
        except ValidationFailed as error:
            if error.field and error.field.startswith("weekly_hours."):
                error.field = "day_" + error.field.split(".", 1)[1]
            elif error.field == "weekly_hours":
                error.field = None
            raise

    return run


@require_http_methods(["GET", "POST"])
@settings_view
def calendar_edit(request, pk: int | None = None):
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk else None
    initial = CalendarForm.initial_for(calendar) if calendar else {"time_zone": "UTC"}
    form = CalendarForm(request.POST or None, initial=initial)

    def save():
        data = form.cleaned_data
        week = _weekly_hours(form)
        check_week(week, is_24x7=data["is_24x7"])
        svc.calendar_save(
            actor=request.user,
            calendar=calendar,
            name=data["name"],
            time_zone=data["time_zone"],
            is_24x7=data["is_24x7"],
            country=data["country"],
            subdivision=data["subdivision"],
            weekly_hours=week,
        )

    extra = {}
    if calendar is not None:
        extra = {
            "calendar": calendar,
            "dates": calendar.dates.all(),
            "date_form": CalendarDateForm(),
            "country_holidays": _country_holidays(calendar),
            "delete_url": reverse("sla:calendar_delete", args=[calendar.pk]),
        }
    return form_page(
        request,
        form,
        _form_fields(save),
        title=calendar.name if calendar else _("New business calendar"),
        back=reverse(INDEX),
        done=reverse("sla:calendar", args=[calendar.pk]) if calendar else reverse(INDEX),
        template="sla/calendar_form.html",
        **extra,
    )


def _country_holidays(calendar: BusinessCalendar) -> list[dict]:
    """This year's and next year's public holidays (and moved working days) of the
    calendar's country, as the `holidays` package computes them."""
    if not calendar.country:
        return []
    year = timezone.localdate().year
    found = holidays.country_holidays(
        calendar.country, subdiv=calendar.subdivision or None, years=[year, year + 1]
    )
    rows = [{"date": day, "name": name, "working": False} for day, name in found.items()]
    for day in getattr(found, "weekend_workdays", ()) or ():
        if day.year in (year, year + 1):
            rows.append({"date": day, "name": _("Working day (moved)"), "working": True})
    return sorted(rows, key=lambda r: r["date"])


@require_POST
@settings_view
def calendar_delete(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    return action(
        request,
        lambda: svc.calendar_delete(actor=request.user, calendar=calendar),
        done=reverse(INDEX),
        success=_("Calendar deleted."),
    )


@require_POST
@settings_view
def calendar_date_add(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = CalendarDateForm(request.POST)

    def call():
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise ValidationFailed(
                f"{form[field].label}: {errors[0]}" if field in form.fields else errors[0]
            )
        data = form.cleaned_data
        hours = svc.parse_intervals_text(data["hours"], field="hours")
        check_intervals(hours, field="hours")
        svc.calendar_date_save(
            actor=request.user,
            calendar=calendar,
            date=data["date"],
            kind=data["kind"],
            name=data["name"],
            intervals=hours,
        )

    return action(request, call, done=reverse("sla:calendar", args=[pk]), success=_("Date saved."))


@require_POST
@settings_view
def calendar_date_delete(request, pk: int, date_id: int):
    row = get_object_or_404(CalendarDate, pk=date_id, calendar_id=pk)
    return action(
        request,
        lambda: svc.calendar_date_delete(actor=request.user, calendar_date=row),
        done=reverse("sla:calendar", args=[pk]),
        success=_("Date removed."),
    )


@require_http_methods(["GET", "POST"])
@settings_view
def policy_edit(request, pk: int | None = None):
    policy = get_object_or_404(SlaPolicy.objects.prefetch_related("targets"), pk=pk) if pk else None
    initial = PolicyForm.initial_for(policy) if policy else PolicyForm.initial_new()
    form = PolicyForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda: svc.policy_save(actor=request.user, policy=policy, **form.values()),
        title=policy.name if policy else _("New SLA policy"),
        back=reverse(INDEX),
        done=reverse(INDEX),
        template="sla/policy_form.html",
        delete_url=reverse("sla:policy_delete", args=[pk]) if pk else "",
    )


@require_POST
@settings_view
def policy_delete(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    return action(
        request,
        lambda: svc.policy_delete(actor=request.user, policy=policy),
        done=reverse(INDEX),
        success=_("Policy deleted."),
    )


@require_POST
@settings_view
def policy_move(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    return action(
        request,
        lambda: svc.policy_move(actor=request.user, policy=policy, offset=offset),
        done=reverse(INDEX),
        success=_("Order saved."),
    )
