"""The report numbers: one function per report, rendered by the UI, the API and the
exports alike (so they always agree).

How it stays fast: nothing here reads events or messages. Per-ticket figures come
from `TicketFact` (one row per ticket, indexed by creation and solve day) and the
per-day counters from `DailyStats` (day × group × channel × category × assignee,
a few thousand rows for 90 days), both maintained by `okno.reports.facts`.
Every query is a GROUP BY over those small tables; the daily series use `DailyStats`
unless an organization or tag filter asks for a dimension it does not keep, then
they group the facts instead.
"""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from okno.reports.aggregates import grouped_median, summaries
from okno.reports.filters import ReportFilters
from okno.reports.models_stats import DailyStats, TicketFact
from okno.tickets.models import ACTIVE_CATEGORIES

STATUS_FIELDS = ["minutes_new", "minutes_open", "minutes_pending", "minutes_on_hold"]


def facts_for(f: ReportFilters):
    """All facts matching the filters (any period)."""
    qs = TicketFact.objects.all()
    if f.group:
        qs = qs.filter(group_id=f.group)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.organization:
        qs = qs.filter(organization_id=f.organization)
    if f.agent:
        qs = qs.filter(assignee_id=f.agent)
    if f.tag:
        qs = qs.filter(ticket__tags__name=f.tag)
    return qs


def created_in(f: ReportFilters):
    return facts_for(f).filter(created_date__range=(f.start, f.end))


def solved_in(f: ReportFilters):
    return facts_for(f).filter(solved_date__range=(f.start, f.end))


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _stats_rows(f: ReportFilters):
    """DailyStats under the filters, or None when a filter needs the facts."""
    if f.organization or f.tag:
        return None
    qs = DailyStats.objects.all()
    if f.group:
        qs = qs.filter(group_id=f.group)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.agent:
        qs = qs.filter(assignee_id=f.agent)
    return qs


def daily_series(f: ReportFilters) -> dict:
    """created / solved / reopened per day and the backlog at the end of each day.

    Backlog: open at the start (created before it and not last-solved before it)
    plus created minus solved each day; a ticket counts open until its last solve.
    """
    days = f.days
    counts = {name: Counter() for name in ("created", "solved", "reopened")}
    stats = _stats_rows(f)
    if stats is not None:
        rows = (
            stats.filter(date__range=(f.start, f.end))
            .values("date")
            .annotate(c=Sum("created"), s=Sum("solved"), r=Sum("reopened"))
        )
        for row in rows:
            counts["created"][row["date"]] = row["c"]
            counts["solved"][row["date"]] = row["s"]
            counts["reopened"][row["date"]] = row["r"]
        before = stats.filter(date__lt=f.start).aggregate(c=Sum("created"), s=Sum("solved"))
        open_load = (before["c"] or 0) - (before["s"] or 0)
    else:
        for row in created_in(f).values("created_date").annotate(n=Count("pk")):
            counts["created"][row["created_date"]] = row["n"]
        for row in solved_in(f).values("solved_date").annotate(n=Count("pk")):
            counts["solved"][row["solved_date"]] = row["n"]
        for dates in (
            facts_for(f).filter(reopened_count__gt=0).values_list("reopen_dates", flat=True)
        ):
            for day in dates:
                counts["reopened"][dt.date.fromisoformat(day)] += 1
        open_load = (
            facts_for(f)
            .filter(created_date__lt=f.start)
            .filter(Q(solved_date__isnull=True) | Q(solved_date__gte=f.start))
            .count()
        )
    backlog = []
    for day in days:
        open_load += counts["created"][day] - counts["solved"][day]
        backlog.append(open_load)
    return {
        "days": [d.isoformat() for d in days],
        "created": [counts["created"][d] for d in days],
        "solved": [counts["solved"][d] for d in days],
        "reopened": [counts["reopened"][d] for d in days],
        "backlog": backlog,
    }


def _by_channel(f: ReportFilters, created) -> list[dict]:
    stats = _stats_rows(f)
    if stats is None:
        return _top(created, "channel", limit=20)
    rows = (
        stats.filter(date__range=(f.start, f.end))
        .values("channel")
        .annotate(n=Sum("created"))
        .filter(n__gt=0)
        .order_by("-n", "channel")
    )
    return [{"name": r["channel"], "count": r["n"]} for r in rows[:20]]


def _top_categories(f: ReportFilters, created) -> list[dict]:
    from okno.tickets.models import Category

    stats = _stats_rows(f)
    if stats is None:
        return _top(created, "category__name")
    rows = (
        stats.filter(date__range=(f.start, f.end))
        .exclude(category_id=0)
        .values("category_id")
        .annotate(n=Sum("created"))
        .filter(n__gt=0)
    )
    names = dict(Category.objects.values_list("pk", "name"))
    out = [{"name": names.get(r["category_id"], "?"), "count": r["n"]} for r in rows]
    return sorted(out, key=lambda r: (-r["count"], r["name"]))[:10]


def heatmap(f: ReportFilters) -> list[list[int]]:
    """Tickets created per weekday (Monday first) × hour, in the viewer's zone.

    Grouped by UTC day and hour in SQL (at most 24 × 90 groups), each bucket then
    moved to the viewer's zone in Python: exact for zones on whole-hour offsets.
    """
    zone = ZoneInfo(f.tz)
    grid = [[0] * 24 for _ in range(7)]
    rows = created_in(f).values_list("created_date", "created_hour").annotate(n=Count("pk"))
    for day, hour, n in rows:
        local = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC).astimezone(zone)
        grid[local.weekday()][local.hour] += n
    return grid


def _top(qs, key: str, limit: int = 10) -> list[dict]:
    rows = qs.exclude(**{f"{key}__isnull": True}).values(key).annotate(n=Count("pk"))
    return [{"name": r[key], "count": r["n"]} for r in rows.order_by("-n", key)[:limit]]


def top_tags(created, limit: int = 10) -> list[dict]:
    """Through the tag links of the facts' tickets (no join of untagged tickets)."""
    from okno.tickets.models import Ticket

    rows = (
        Ticket.tags.through.objects.filter(ticket_id__in=created.values("ticket_id"))
        .values("tag__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__name")[:limit]
    )
    return [{"name": r["tag__name"], "count": r["n"]} for r in rows]


def dashboard(f: ReportFilters) -> dict:
    created, solved = created_in(f), solved_in(f)
    first, totals = summaries(
        created,
        ["first_response_minutes", "first_response_business_minutes"],
        tickets=Count("pk"),
        reopened=Count("pk", filter=Q(reopened_count__gt=0)),
        ever_solved=Count("pk", filter=Q(solved_date__isnull=False) | Q(reopened_count__gt=0)),
        sla_achieved=Sum("sla_achieved"),
        sla_breached=Sum("sla_breached"),
        **{name: Sum(name) for name in STATUS_FIELDS},
    )
    resolution, solved_totals = summaries(
        solved,
        ["resolution_minutes", "resolution_business_minutes"],
        n=Count("pk"),
        one_touch=Count("pk", filter=Q(one_touch=True)),
    )
    achieved, breached = totals["sla_achieved"] or 0, totals["sla_breached"] or 0
    tickets = totals["tickets"]
    return {
        "filters": f.as_query(),
        "series": daily_series(f),
        "totals": {
            "created": tickets,
            "solved": solved_totals["n"],
            "reopen_rate": _pct(totals["reopened"], totals["ever_solved"]),
            "one_touch_rate": _pct(solved_totals["one_touch"], solved_totals["n"]),
            "sla_achieved_percent": _pct(achieved, achieved + breached),
            "sla_achieved": achieved,
            "sla_breached": breached,
        },
        "first_response": {
            "calendar": first["first_response_minutes"],
            "business": first["first_response_business_minutes"],
        },
        "resolution": {
            "calendar": resolution["resolution_minutes"],
            "business": resolution["resolution_business_minutes"],
        },
        # Average hours a ticket created in the period spent in each status category.
        "time_in_status": {
            name.removeprefix("minutes_"): round((totals[name] or 0) / tickets / 60, 1)
            if tickets
            else None
            for name in STATUS_FIELDS
        },
        "by_channel": _by_channel(f, created),
        "top_categories": _top_categories(f, created),
        "top_tags": top_tags(created),
        "heatmap": heatmap(f),
    }


def _csat(qs, key: str) -> dict:
    """key -> CSAT % (good ratings / all ratings) of the tickets in `qs`."""
    from okno.reports.models_csat import CsatRating, CsatScale

    good = Q(scale=CsatScale.GOOD_BAD, score=1) | Q(scale=CsatScale.ONE_TO_FIVE, score__gte=4)
    rows = (
        CsatRating.objects.filter(ticket_id__in=qs.values("ticket_id"))
        .values(f"ticket__fact__{key}")
        .annotate(n=Count("pk"), good=Count("pk", filter=good))
    )
    return {r[f"ticket__fact__{key}"]: _pct(r["good"], r["n"]) for r in rows}


def _time_spent(qs, key: str) -> dict:
    """key -> minutes logged on the tickets in `qs` (time tracking)."""
    from okno.reports.models_time import TimeEntry

    rows = (
        TimeEntry.objects.filter(ticket_id__in=qs.values("ticket_id"))
        .values(f"ticket__fact__{key}")
        .annotate(m=Sum("minutes"))
    )
    return {r[f"ticket__fact__{key}"]: r["m"] or 0 for r in rows}


AGENT_COLUMNS = [
    "agent_id", "agent", "solved", "replies", "median_first_response_minutes",
    "median_handling_minutes", "open_now", "csat_percent",
]  # fmt: skip


def agents(f: ReportFilters) -> list[dict]:
    """Per agent: solved (last solve in the period by them), public replies, median
    first response and handling (creation -> solve) of their tickets, open load now."""
    from okno.accounts.models import Role, User
    from okno.tickets.models import Message

    people = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
    if f.agent:
        people = people.filter(pk=f.agent)
    solved = dict(
        solved_in(f).values("solved_by").annotate(n=Count("pk")).values_list("solved_by", "n")
    )
    replies = dict(
        Message.objects.filter(
            ticket_id__in=facts_for(f).values("ticket_id"),
            author_kind="agent",
            public=True,
            created_at__date__range=(f.start, f.end),
        )
        .values("author_user")
        .annotate(n=Count("pk"))
        .values_list("author_user", "n")
    )
    first = grouped_median(created_in(f), "assignee", "first_response_minutes")
    handling = grouped_median(solved_in(f), "assignee", "resolution_minutes")
    open_now = dict(
        facts_for(f)
        .filter(state__in=ACTIVE_CATEGORIES)
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    csat = _csat(solved_in(f), "assignee")
    rows = []
    for user in people.order_by("name"):
        rows.append(
            {
                "agent_id": user.pk,
                "agent": user.name,
                "solved": solved.get(user.pk, 0),
                "replies": replies.get(user.pk, 0),
                "median_first_response_minutes": first.get(user.pk),
                "median_handling_minutes": handling.get(user.pk),
                "open_now": open_now.get(user.pk, 0),
                "csat_percent": csat.get(user.pk),
            }
        )
    return rows


ORG_COLUMNS = ["id", "name", "tickets", "solved", "time_spent_minutes", "csat_percent"]


def _by_party(f: ReportFilters, key: str, name_field: str, limit: int | None) -> list[dict]:
    created = created_in(f)
    rows = (
        created.exclude(**{f"{key}__isnull": True})
        .values(key, name_field)
        .annotate(n=Count("pk"), solved=Count("pk", filter=Q(solved_date__isnull=False)))
        .order_by("-n", name_field)
    )
    if limit:
        rows = rows[:limit]
    spent, csat = _time_spent(created, key), _csat(created, key)
    return [
        {
            "id": r[key],
            "name": r[name_field],
            "tickets": r["n"],
            "solved": r["solved"],
            "time_spent_minutes": spent.get(r[key], 0),
            "csat_percent": csat.get(r[key]),
        }
        for r in rows
    ]


def organizations(f: ReportFilters) -> list[dict]:
    """Per organization, tickets created in the period: count, time logged, CSAT."""
    return _by_party(f, "organization", "organization__name", None)


def contacts(f: ReportFilters, limit: int = 200) -> list[dict]:
    """Per contact (the busiest first), as `organizations`."""
    return _by_party(f, "contact", "contact__name", limit)
