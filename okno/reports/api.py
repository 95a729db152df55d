"""/api/v1/reports/...: the dashboard and the report tables as JSON.

Thin: parse the filters -> supervisors and admins only -> `okno.reports.metrics`
(the same call the pages and the exports make) -> JSON.
"""

from ninja import Router

from okno.api.errors import COMMON_ERRORS
from okno.reports import metrics
from okno.reports.access import require_reports
from okno.reports.filters import parse_filters

router = Router(tags=["reports"])

FILTERS_DOC = (
    "Query: from, to (YYYY-MM-DD, default the last 30 days, at most 90), group, channel, "
    "category, organization, agent (ids), tag (name), tz (heat map zone)."
)


def _filters(request):
    user = require_reports(request.auth)
    return parse_filters(request.GET, tz=request.GET.get("tz") or user.timezone)


@router.get("/reports/dashboard", response={200: dict, **COMMON_ERRORS}, description=FILTERS_DOC)
def dashboard(request):
    return metrics.dashboard(_filters(request))


@router.get("/reports/agents", response={200: dict, **COMMON_ERRORS}, description=FILTERS_DOC)
def agents(request):
    f = _filters(request)
    return {"filters": f.as_query(), "rows": metrics.agents(f)}


@router.get(
    "/reports/organizations", response={200: dict, **COMMON_ERRORS}, description=FILTERS_DOC
)
def organizations(request):
    f = _filters(request)
    return {"filters": f.as_query(), "rows": metrics.organizations(f)}


@router.get("/reports/contacts", response={200: dict, **COMMON_ERRORS}, description=FILTERS_DOC)
def contacts(request):
    f = _filters(request)
    return {"filters": f.as_query(), "rows": metrics.contacts(f)}
