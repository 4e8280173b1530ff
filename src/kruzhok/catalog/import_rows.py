"""What an import's workbook holds, read into typed rows (see `catalog.imports`): each sheet's
header row found among its first columns, every cell of the template's columns parsed into its
type, an unreadable or missing cell an issue with its sheet, row and column, and the limits held
while reading (rows per sheet, rows read, the import's deadline)."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from kruzhok.catalog.import_template import (
    DEFAULTS,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    CellError,
    Column,
    cell_text,
    column_name,
    fold,
)


@dataclass(frozen=True)
class ImportIssue:
    """One error: where it is (row 0 — the file or the sheet as a whole) and what to fix."""

    sheet: str
    row: int
    column: str  # "D «Направленность»", or "" when the error is about the row or the sheet
    message: str


@dataclass
class Row:
    number: int  # as Excel shows it
    values: dict[str, Any]
    bad: set[str]  # keys whose cell could not be read


class TooLong(Exception):
    """The import ran past IMPORT_SECONDS: it stops, and nothing is saved."""


class Deadline:
    """The moment the import must have finished by (IMPORT_SECONDS after it began)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise TooLong


def _header_positions(
    ws: Any, title: str, columns: tuple[Column, ...], issues: list[ImportIssue]
) -> dict[str, int] | None:
    """Where each template column is on the sheet's first row (looked for among the first
    few columns only), or None with an issue per missing required column."""
    header = next(ws.iter_rows(max_row=1, max_col=_header_width(columns), values_only=True), ())
    wanted = {fold(c.header): c for c in columns}
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        column = wanted.get(fold(str(value))) if value is not None else None
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [c for c in columns if c.required and c.key not in positions]
    for column in missing:
        issues.append(ImportIssue(title, 1, "", f"Нет обязательного столбца «{column.header}»."))
    return None if missing else positions


def _header_width(columns: tuple[Column, ...]) -> int:
    # Room for a few columns a person inserted; anything further right is never read.
    return 2 * len(columns)


def sheet_rows(
    ws: Any,
    title: str,
    columns: tuple[Column, ...],
    issues: list[ImportIssue],
    deadline: Deadline,
) -> tuple[list[Row], dict[str, int]]:
    """The sheet's non-empty rows read into typed values; unreadable cells become issues.

    The sheet's declared dimension is ignored (a file may claim A1:XFD1048576): only the
    template's columns are read, rows are streamed, and every row — blank ones too — counts
    against MAX_SHEET_ROWS, so that reading stops after a bounded number of rows.
    """
    ws.reset_dimensions()
    positions = _header_positions(ws, title, columns, issues)
    if positions is None:
        return [], {}
    width = max(positions.values()) + 1
    lines: Iterator[tuple[Any, ...]] = ws.iter_rows(min_row=2, max_col=width, values_only=True)
    rows: list[Row] = []
    for number, line in enumerate(lines, start=2):
        deadline.check()
        if number - 1 > MAX_SHEET_ROWS:
            issues.append(
                ImportIssue(
                    title,
                    number,
                    "",
                    f"В листе больше {MAX_SHEET_ROWS} строк, считая пустые: удалите пустые "
                    "строки под таблицей или разделите файл.",
                )
            )
            break
        cells = {
            key: line[index] if index < len(line) else None for key, index in positions.items()
        }
        if all(value is None or cell_text(value) == "" for value in cells.values()):
            continue
        if len(rows) == MAX_ROWS:
            issues.append(
                ImportIssue(title, number, "", f"В листе больше {MAX_ROWS} строк: разделите файл.")
            )
            break
        rows.append(_row_read(number, cells, title, columns, positions, issues))
    return rows, positions


def _row_read(
    number: int,
    cells: dict[str, Any],
    title: str,
    columns: tuple[Column, ...],
    positions: dict[str, int],
    issues: list[ImportIssue],
) -> Row:
    row = Row(number, {}, set())
    for column in columns:
        value = cells.get(column.key)
        if value is None or cell_text(value) == "":
            if column.required:
                row.bad.add(column.key)
                issues.append(
                    ImportIssue(
                        title,
                        number,
                        column_name(columns, positions, column.key),
                        "Заполните это поле.",
                    )
                )
                row.values[column.key] = None
            else:
                row.values[column.key] = DEFAULTS.get(column.key)
            continue
        try:
            row.values[column.key] = column.parse(value)
        except CellError as exc:
            row.bad.add(column.key)
            row.values[column.key] = None
            issues.append(
                ImportIssue(title, number, column_name(columns, positions, column.key), str(exc))
            )
    return row


def service_issues(
    exc: ValidationError,
    row: Row,
    title: str,
    columns: tuple[Column, ...],
    positions: dict[str, int],
) -> list[ImportIssue]:
    """The service's errors for the row, except where the cell itself was already unreadable."""
    found: list[ImportIssue] = []
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    for key, messages in items:
        if key in row.bad:
            continue
        where = column_name(columns, positions, key)
        for message in messages:
            found.append(ImportIssue(title, row.number, where, message))
    return found
