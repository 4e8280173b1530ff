"""XLSX building blocks shared by the provider's exports (openpyxl)."""

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '#,##0.00" ₽"'
BOLD = Font(bold=True)


def rubles(kopecks: int) -> Decimal:
    """Kopecks as an exact number of rubles for a spreadsheet cell (never a float)."""
    return Decimal(kopecks) / 100


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
