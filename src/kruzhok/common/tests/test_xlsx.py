import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from kruzhok.common.xlsx import text_write, workbook_bytes


def _round_trip(texts: list[str]) -> tuple[bytes, list]:
    wb = Workbook()
    for row, text in enumerate(texts, start=1):
        text_write(wb.active, row, 1, text)
    content = workbook_bytes(wb)
    return content, [row[0] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


@pytest.mark.parametrize(
    "text",
    ["=1+2", '=HYPERLINK("http://example.com";"Кружок")', "+7 928 000-12-34", "-1", "@SUM(A1)"],
)
def test_text_that_looks_like_a_formula_stays_text(text):
    content, (cell,) = _round_trip([text])
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


def test_plain_openpyxl_would_have_made_a_formula():
    # Why text_write exists: without it the same value becomes a formula.
    wb = Workbook()
    wb.active["A1"] = "=1+2"
    assert wb.active["A1"].data_type == "f"


def test_characters_xml_cannot_hold_are_dropped_instead_of_failing_the_export():
    _, (cell,) = _round_trip(["Робото\x07техника\x00"])
    assert cell.value == "Робототехника"
