"""XLSX building blocks shared by the provider's exports (openpyxl)."""

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '#,##0.00" ₽"'
BOLD = Font(bold=True)


def rubles(kopecks: int) -> Decimal:
    """Kopecks as an exact number of rubles for a spreadsheet cell (never a float)."""
    return Decimal(kopecks) / 100


def text_write(ws: Any, row: int, column: int, text: str) -> Cell:
    """A cell holding `text` as text, whatever it starts with.

    openpyxl makes a formula of any string that starts with "=", and a spreadsheet program
    treats "+", "-" and "@" alike when the cell is edited: user text (a program's title, a
    child's name) must never run as a formula on the reader's machine. The cell is typed as
    a string and marked with the quote prefix, the XLSX form of a leading apostrophe, so the
    text stays as it was typed. Characters XML cannot hold (control characters) are dropped
    rather than failing the whole export.
    """
    cell: Cell = ws.cell(row=row, column=column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def header_write(ws: Any, row: int, headers: Sequence[str], widths: Sequence[int]) -> None:
    """A bold, wrapped header row with column widths, frozen above the data."""
    for column, (title, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=column, value=title)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
