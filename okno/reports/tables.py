"""Every report table by name: (title, columns, rows), for exports and scheduled email.

Each table is rendered from the same `okno.reports.metrics` call the dashboard and
the API use.
"""

from django.utils.translation import gettext_lazy as _

from okno.reports import metrics
from okno.reports.filters import ReportFilters


def _daily(f: ReportFilters):
    s = metrics.daily_series(f)
    cols = ["day", "created", "solved", "reopened", "backlog"]
    return cols, [list(r) for r in zip(*(s[c] for c in ("days", *cols[1:])), strict=True)]


def _rows(fn, columns):
    def build(f: ReportFilters):
        return columns, [[r.get(c) for c in columns] for r in fn(f)]

    return build


def _top(key):
    def build(f: ReportFilters):
        return ["name", "count"], [[r["name"], r["count"]] for r in metrics.dashboard(f)[key]]

    return build


TABLES = {
    "daily": (_("Tickets per day"), _daily),
    "agents": (_("Agents"), _rows(metrics.agents, metrics.AGENT_COLUMNS)),
    "organizations": (_("Organizations"), _rows(metrics.organizations, metrics.ORG_COLUMNS)),
    "contacts": (_("Contacts"), _rows(metrics.contacts, metrics.ORG_COLUMNS)),
    "channels": (_("By channel"), _top("by_channel")),
    "categories": (_("Top categories"), _top("top_categories")),
    "tags": (_("Top tags"), _top("top_tags")),
}


def build_table(name: str, f: ReportFilters) -> tuple[str, list, list]:
    title, fn = TABLES[name]
    columns, rows = fn(f)
    return str(title), columns, rows
