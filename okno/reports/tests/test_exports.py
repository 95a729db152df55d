"""Formula injection: no generated text ever reaches a spreadsheet as a formula."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from okno.reports.exports import DANGEROUS_STARTS, to_csv, to_xlsx

prefix = st.sampled_from([*DANGEROUS_STARTS, "", " ", "'", "a"])
texts = st.builds(lambda p, t: p + t, prefix, st.text(max_size=30))


def _xml_safe(text: str) -> str:
    # openpyxl refuses XML control characters; the export's callers store text from
    # forms and mail, which are cleaned earlier; keep the test about formulas.
    return "".join(c for c in text if c in "\t\r\n" or ord(c) >= 32)


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_csv_cells_never_start_a_formula(values):
    data = to_csv(["a"] * len(values), [values]).decode("utf-8").lstrip("\ufeff")
    row = list(csv.reader(io.StringIO(data, newline="")))[1]
    for original, cell in zip(values, row, strict=True):
        assert not cell.startswith(DANGEROUS_STARTS)
        assert cell in (original, "'" + original)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts.map(_xml_safe), min_size=1, max_size=5))
def test_xlsx_cells_are_never_formulas(values):
    book = load_workbook(io.BytesIO(to_xlsx(["h"] * len(values), [values])))
    for cell in next(book.active.iter_rows(min_row=2, max_row=2)):
        assert cell.data_type != "f"
        text = cell.value or ""
        assert not str(text).startswith(DANGEROUS_STARTS)


def test_numbers_stay_numbers():
    book = load_workbook(io.BytesIO(to_xlsx(["n", "x"], [[-5, 2.5]])))
    assert [c.value for c in next(book.active.iter_rows(min_row=2))] == [-5, 2.5]
