"""Report tables to CSV and XLSX, safe to open in a spreadsheet, and the streamed
full tickets export.

Formula injection: a cell whose text starts with = + - @, a tab, CR, LF or their
full-width forms would run as a formula in Excel / LibreOffice. Such text gets a
leading apostrophe (the spreadsheet convention for "this is text"), and XLSX cells
are always written with the string data type, so they can never be formulas.
Numbers stay numbers.
"""

import csv
import io

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def _cell(value):
    """Numbers as they are; everything else as neutralized text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return safe_text(value)


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list, rows):
    """Yield CSV lines one by one (for a StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM, so Excel reads UTF-8
    yield writer.writerow([safe_text(h) for h in header])
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def to_csv(header: list, rows) -> bytes:
    return "".join(csv_lines(header, rows)).encode("utf-8")


def to_xlsx(header: list, rows, title: str = "Report") -> bytes:
    # Imported here: openpyxl costs ~0.4 s at start-up, and every process (the mail
    # pipe included) loads this module through the task registry.
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = safe_text(title)[:31] or "Report"
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            value = _cell(value)
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = TYPE_STRING  # never "f" (formula), whatever the text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table(rows: list[dict], columns: list[str]) -> tuple[list, list[list]]:
    return columns, [[row.get(c) for c in columns] for row in rows]


TICKET_COLUMNS = [
    "number", "subject", "status", "state", "priority", "channel", "group", "assignee",
    "contact", "organization", "category", "tags", "created_at", "first_response_at",
    "solved_at", "closed_at", "first_response_minutes", "resolution_minutes", "reopened_count",
]  # fmt: skip


def ticket_rows(tickets, custom_keys: list[str]):
    """Rows of the full tickets export; `tickets` is iterated in chunks (bounded memory)."""
    qs = tickets.select_related(
        "status", "group", "assignee", "contact", "organization", "category", "fact"
    ).prefetch_related("tags")
    for t in qs.iterator(chunk_size=500):
        fact = getattr(t, "fact", None)
        yield [
            t.number, t.subject, t.status.name, t.state, t.priority, t.channel,
            t.group.name if t.group else "", t.assignee.name if t.assignee else "",
            t.contact.email if t.contact else "", t.organization.name if t.organization else "",
            t.category.name if t.category else "", " ".join(tag.name for tag in t.tags.all()),
            t.created_at.isoformat(),
            t.first_response_at.isoformat() if t.first_response_at else "",
            t.solved_at.isoformat() if t.solved_at else "",
            t.closed_at.isoformat() if t.closed_at else "",
            fact.first_response_minutes if fact else None,
            fact.resolution_minutes if fact else None,
            fact.reopened_count if fact else None,
            *[_custom(t.custom_fields.get(k)) for k in custom_keys],
        ]  # fmt: skip


def _custom(value):
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else value
