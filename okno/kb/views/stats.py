"""KB statistics for supervisors and admins (/kb/stats/): views, votes, searches
with no results (what to write next) and deflections, over a chosen period."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from okno.kb.models import Article, ArticleView, ArticleVote, KbSearchLog
from okno.kb.services_deflection import WINDOW, counted_deflections
from okno.tickets.permissions import staff_can_manage

TOP = 20
PERIODS = [
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last year")),
]


class PeriodForm(forms.Form):
    days = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start") or data.get("end"):
            end = data.get("end") or today
            start = data.get("start") or end - dt.timedelta(days=29)
            return min(start, end), max(start, end)
        days = int(data.get("days") or 30)
        return today - dt.timedelta(days=days - 1), today


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return low, high


def _titles(ids) -> dict:
    return {
        a.pk: a for a in Article.objects.filter(pk__in=set(ids)).only("pk", "title", "language")
    }


def kb_stats(start: dt.date, end: dt.date) -> dict:
    low, high = _bounds(start, end)
    views = (
        ArticleView.objects.filter(date__gte=start, date__lte=end)
        .values("article")
        .annotate(n=Sum("count"))
        .order_by("-n")
    )
    votes = (
        ArticleVote.objects.filter(created_at__gte=low, created_at__lt=high)
        .values("article")
        .annotate(yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False)))
        .order_by("-yes", "no")
    )
    searches = KbSearchLog.objects.filter(created_at__gte=low, created_at__lt=high)
    missing = (
        searches.filter(results_count=0)
        .values("normalized")
        .annotate(n=Count("id"), example=Max("query"))
        .order_by("-n", "normalized")[:TOP]
    )
    deflections = (
        counted_deflections()
        .filter(created_at__gte=low, created_at__lt=high)
        .values("article")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    top_views, top_votes, top_deflections = (
        list(views[:TOP]),
        list(votes[:TOP]),
        list(deflections[:TOP]),
    )
    titles = _titles([r["article"] for r in top_views + top_votes + top_deflections])
    for row in top_votes:
        total = row["yes"] + row["no"]
        row["percent"] = round(100 * row["yes"] / total) if total else None
    for row in top_views + top_votes + top_deflections:
        row["title"] = titles.get(row["article"])
    vote_totals = ArticleVote.objects.filter(created_at__gte=low, created_at__lt=high).aggregate(
        yes=Count("id", filter=Q(helpful=True)), total=Count("id")
    )
    return {
        "views_total": ArticleView.objects.filter(date__gte=start, date__lte=end).aggregate(
            t=Sum("count")
        )["t"]
        or 0,
        "votes_total": vote_totals["total"],
        "helpful_percent": round(100 * vote_totals["yes"] / vote_totals["total"])
        if vote_totals["total"]
        else None,
        "searches_total": searches.count(),
        "searches_empty": searches.filter(results_count=0).count(),
        "deflections_total": counted_deflections()
        .filter(created_at__gte=low, created_at__lt=high)
        .count(),
        "top_views": top_views,
        "top_votes": top_votes,
        "missing": list(missing),
        "top_deflections": top_deflections,
    }


@login_required
@require_GET
def stats(request):
    if not staff_can_manage(request.user, "reports"):
        raise PermissionDenied
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    context = {
        "form": form,
        "start": start,
        "end": end,
        "window_minutes": int(WINDOW.total_seconds() // 60),
        **kb_stats(start, end),
    }
    return render(request, "kb/agent/stats.html", context)
