"""CSV of the billable summary, safe to open in a spreadsheet.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab, CR,
LF, or their full-width forms) get a leading apostrophe (OWASP "CSV injection").
"""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralize(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def billable_rows(summary: dict) -> list[list]:
    rows = [[_("Organization"), _("Activity"), _("Hours"), _("Rate"), _("Currency"), _("Amount")]]
    for r in summary["rows"]:
        rows.append(
            [r["organization"], r["activity"], r["hours"], r["rate"], r["currency"], r["amount"]]
        )
    for org in summary["organizations"]:
        rows.append([org["name"], _("Total"), org["hours"], "", org["currency"], org["amount"]])
    for currency, amount in sorted(summary["totals"].items()):
        rows.append([_("Total"), "", "", "", currency, amount])
    return rows


def billable_csv_response(summary: dict, date_from, date_to) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in billable_rows(summary):
        writer.writerow([neutralize(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"billable-{date_from:%Y-%m-%d}-{date_to:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
