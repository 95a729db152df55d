"""Report pages: the dashboard, the agent and organization tables, the exports.

Thin: parse filters -> supervisors/admins only -> `okno.reports.metrics` -> render.
Charts are drawn by static/reports/dashboard.js from the JSON the page embeds in a
<script type="application/json"> block (data, not code: allowed by the CSP).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from okno.accounts.models import Group
from okno.contacts.models import Organization
from okno.core.errors import ValidationFailed
from okno.reports import exports, metrics
from okno.reports.access import can_schedule_reports, can_see_reports
from okno.reports.filters import parse_filters
from okno.reports.tables import TABLES, build_table
from okno.tickets.models import Category, Channel, CustomField
from okno.tickets.permissions import visible_tickets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reports_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_see_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _filters(request):
    return parse_filters(request.GET, tz=request.user.timezone)


def _choices() -> dict:
    from okno.accounts.models import Role, User

    return {
        "groups": Group.objects.order_by("name"),
        "channels": Channel.choices,
        "categories": Category.objects.order_by("name"),
        "organizations": Organization.objects.order_by("name"),
        "agents": User.objects.filter(is_active=True)
        .exclude(role=Role.LIGHT_AGENT)
        .order_by("name"),
    }


def _page(request, template: str, build):
    try:
        f = _filters(request)
    except ValidationFailed as exc:
        f, error = parse_filters({}, tz=request.user.timezone), exc.message
    else:
        error = ""
    context = {"f": f, "error": error, "query": f.as_query(), **_choices(), **build(f)}
    context["can_schedule"] = can_schedule_reports(request.user)
    return render(request, template, context, status=400 if error else 200)


def heat_rows(grid: list[list[int]]) -> list[tuple[str, list[tuple[int, int]]]]:
    """The heat map as rows of (count, level 0-5) for CSS classes (no inline styles)."""
    peak = max((max(row) for row in grid), default=0) or 1
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return [
        (day, [(n, 0 if not n else 1 + (4 * n) // peak) for n in row])
        for day, row in zip(days, grid, strict=True)
    ]


def _dashboard_context(f) -> dict:
    data = metrics.dashboard(f)
    labels = {
        "created": _("Created"), "solved": _("Solved"), "reopened": _("Reopened"),
        "backlog": _("Open (backlog)"), "new": _("New"), "open": _("Open"),
        "pending": _("Pending"), "on_hold": _("On hold"), "hours": _("Hours"),
    }  # fmt: skip
    return {"data": data, "labels": labels, "heat": heat_rows(data["heatmap"]), "hours": range(24)}


@reports_view
def dashboard(request):
    return _page(request, "reports/dashboard.html", _dashboard_context)


@reports_view
def agents(request):
    return _page(request, "reports/agents.html", lambda f: {"rows": metrics.agents(f)})


@reports_view
def organizations(request):
    return _page(
        request,
        "reports/organizations.html",
        lambda f: {"rows": metrics.organizations(f), "contacts": metrics.contacts(f, limit=50)},
    )


@reports_view
def export(request, name: str, fmt: str):
    if name not in TABLES or fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest()
    try:
        f = _filters(request)
    except ValidationFailed as exc:
        return HttpResponseBadRequest(exc.message)
    title, columns, rows = build_table(name, f)
    filename = f"okno-{name}-{f.start}-{f.end}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(columns, rows), content_type="text/csv")
    else:
        response = HttpResponse(exports.to_xlsx(columns, rows, title=title), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@reports_view
def export_tickets(request):
    """Every visible ticket with its custom fields, streamed in chunks (bounded memory)."""
    keys = list(CustomField.objects.order_by("position", "key").values_list("key", flat=True))
    tickets = visible_tickets(request.user).order_by("number")
    header = [*exports.TICKET_COLUMNS, *[f"cf_{k}" for k in keys]]
    response = StreamingHttpResponse(
        exports.csv_lines(header, exports.ticket_rows(tickets, keys)), content_type="text/csv"
    )
    today = timezone.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="okno-tickets-{today}.csv"'
    return response
