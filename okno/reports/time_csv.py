"""The billable summary as CSV or XLSX, through the shared report exports
(okno/reports/exports.py), which neutralize formula-like cells (= + - @, tab, CR,
LF and full-width forms get a leading apostrophe)."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from okno.reports.exports import to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def billable_table(summary: dict) -> tuple[list, list[list]]:
    header = [_("Organization"), _("Activity"), _("Hours"), _("Rate"), _("Currency"), _("Amount")]
    rows = [
        [r["organization"], r["activity"], r["hours"], r["rate"], r["currency"], r["amount"]]
        for r in summary["rows"]
    ]
    for org in summary["organizations"]:
        rows.append([org["name"], _("Total"), org["hours"], "", org["currency"], org["amount"]])
    for currency, amount in sorted(summary["totals"].items()):
        rows.append([_("Total"), "", "", "", currency, amount])
    return header, rows


def billable_export_response(summary: dict, date_from, date_to, fmt: str) -> HttpResponse:
    header, rows = billable_table(summary)
    name = f"billable-{date_from:%Y-%m-%d}-{date_to:%Y-%m-%d}"
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx(header, rows, title=_("Billable")), content_type=XLSX)
        name += ".xlsx"
    else:
        response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
        name += ".csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
