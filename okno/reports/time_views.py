"""Time tracking screens: the ticket page's panel (lazy, htmx), entry edit/delete,
and the time reports with the billable summary and its CSV export."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.core.errors import ServiceError
from okno.reports import timetracking as svc
from okno.reports.models_time import ActivityType, TimeEntry
from okno.reports.time_csv import billable_export_response
from okno.tickets.permissions import Action, is_staff, ticket_get_for_user, visible_tickets


class EntryForm(forms.Form):
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes"), min_value=1, max_value=svc.MAX_MINUTES
    )
    activity = forms.ModelChoiceField(
        label=gettext_lazy("Activity"),
        queryset=ActivityType.objects.filter(is_active=True),
        required=False,
    )
    billable = forms.BooleanField(label=gettext_lazy("Billable"), required=False, initial=True)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class StopForm(EntryForm):
    minutes = None  # the timer measures them


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to.replace(day=1)
        return min(date_from, date_to), max(date_from, date_to)


def _staff(request):
    if not request.user.is_authenticated or not is_staff(request.user):
        raise PermissionDenied
    return request.user


def _panel(request, ticket, form=None, status=200):
    user = request.user
    entries = list(
        TimeEntry.objects.filter(ticket=ticket)
        .select_related("user", "activity")
        .order_by("-started_at", "-id")
    )
    context = {
        "ticket": ticket,
        "entries": [(e, svc.can_edit_entry(user, e)) for e in entries],
        "total_minutes": sum(e.minutes for e in entries),
        "form": form or EntryForm(),
        "stop_form": StopForm(),
        "timer": svc.timer_get(ticket=ticket, user=user),
    }
    return render(request, "reports/time/_panel.html", context, status=status)


def _done(request, ticket, form=None, status=200):
    """htmx gets the panel back; a plain form post goes back to the ticket page."""
    if request.htmx:
        return _panel(request, ticket, form, status)
    return redirect("web:ticket", ticket.number)


@require_GET
def panel(request, number: int):
    ticket = ticket_get_for_user(_staff(request), number, action=Action.NOTE)
    return _panel(request, ticket)


@require_POST
def log_time(request, number: int):
    user = _staff(request)
    ticket = ticket_get_for_user(user, number, action=Action.NOTE)
    form = EntryForm(request.POST)
    if not form.is_valid():
        return _panel(request, ticket, form, status=400)
    try:
        svc.entry_create(ticket=ticket, user=user, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(exc.field, exc.message)
        return _panel(request, ticket, form, status=400)
    return _done(request, ticket)


@require_POST
def timer_start(request, number: int):
    user = _staff(request)
    ticket = ticket_get_for_user(user, number, action=Action.NOTE)
    svc.timer_start(ticket=ticket, user=user)
    return _done(request, ticket)


@require_POST
def timer_stop(request, number: int):
    user = _staff(request)
    ticket = ticket_get_for_user(user, number, action=Action.NOTE)
    form = StopForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if request.POST.get("discard"):
        svc.timer_discard(ticket=ticket, user=user)
    else:
        svc.timer_stop(ticket=ticket, user=user, **data)
    return _done(request, ticket)


def _entry(user, entry_id: int) -> TimeEntry:
    entry = (
        TimeEntry.objects.filter(pk=entry_id, ticket__in=visible_tickets(user))
        .select_related("ticket", "activity")
        .first()
    )
    if entry is None:
        raise Http404("no such entry")
    if not svc.can_edit_entry(user, entry):
        raise PermissionDenied
    return entry


@require_http_methods(["GET", "POST"])
def entry_edit(request, entry_id: int):
    user = _staff(request)
    entry = _entry(user, entry_id)
    initial = {
        "minutes": entry.minutes,
        "activity": entry.activity,
        "billable": entry.billable,
        "note": entry.note,
    }
    form = EntryForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                svc.entry_update(entry=entry, actor=user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(exc.field, exc.message)
            else:
                return redirect("web:ticket", entry.ticket_id)
    return render(request, "reports/time/edit.html", {"entry": entry, "form": form}, status=status)


@require_POST
def entry_delete(request, entry_id: int):
    user = _staff(request)
    entry = _entry(user, entry_id)
    ticket = ticket_get_for_user(user, entry.ticket_id, action=Action.NOTE)
    svc.entry_delete(entry=entry, actor=user)
    return _done(request, ticket)


@require_GET
@login_required
def reports(request):
    user = _staff(request)
    if not svc.is_manager(user):
        raise PermissionDenied
    form = PeriodForm(request.GET or None)
    date_from, date_to = form.period()
    summary = svc.billable_summary(date_from, date_to)
    if request.GET.get("format") in ("csv", "xlsx"):
        return billable_export_response(summary, date_from, date_to, request.GET["format"])
    context = {
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "by_agent": svc.time_by(date_from, date_to, "agent"),
        "by_organization": svc.time_by(date_from, date_to, "organization"),
        "by_activity": svc.time_by(date_from, date_to, "activity"),
        "summary": summary,
    }
    return render(request, "reports/time/reports.html", context)
