"""Programs and groups from an XLSX file in the portal's template, all or nothing.

The template has two sheets: «Программы» (one row a program) and «Группы» (one row a group,
naming its program by the code or the title given on «Программы», or by the title of a program
the provider already has). The whole file is checked first: every cell is read into its type,
then every row goes through the catalogue's own services (program_create, group_create), each in
a savepoint of one transaction. If any row of any sheet is wrong, that transaction is rolled
back and every error is reported by sheet, row and column; otherwise everything is saved at once.
"""

import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from kruzhok.accounts.models import User
from kruzhok.catalog import groups, programs
from kruzhok.catalog.import_template import (
    DEFAULTS,
    GROUP_COLUMNS,
    GROUPS_SHEET,
    IMPORT_SECONDS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    PROGRAM_COLUMNS,
    PROGRAMS_SHEET,
    CellError,
    Column,
    cell_text,
    column_name,
    fold,
    import_template,
)
from kruzhok.catalog.models import Direction, FinancingSource, Group, Program, ProgramState
from kruzhok.providers.models import Provider, ProviderStaff, ProviderStatus, StaffRole

__all__ = [
    "GROUPS_SHEET",
    "GROUP_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_SHEET_ROWS",
    "MAX_UNPACKED_BYTES",
    "PROGRAMS_SHEET",
    "PROGRAM_COLUMNS",
    "ImportIssue",
    "ImportResult",
    "catalog_import",
    "import_template",
]


@dataclass(frozen=True)
class ImportIssue:
    """One error: where it is (row 0 — the file or the sheet as a whole) and what to fix."""

    sheet: str
    row: int
    column: str  # "D «Направленность»", or "" when the error is about the row or the sheet
    message: str


@dataclass
class ImportResult:
    issues: list[ImportIssue] = field(default_factory=list)
    programs: int = 0
    groups: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues


# Reading -----------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int  # as Excel shows it
    values: dict[str, Any]
    bad: set[str]  # keys whose cell could not be read


class _TooLong(Exception):
    """The import ran past IMPORT_SECONDS: it stops, and nothing is saved."""


class _Deadline:
    """The moment the import must have finished by (IMPORT_SECONDS after it began)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise _TooLong


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


def _rows(
    ws: Any,
    title: str,
    columns: tuple[Column, ...],
    issues: list[ImportIssue],
    deadline: _Deadline,
) -> tuple[list[_Row], dict[str, int]]:
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
    rows: list[_Row] = []
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
) -> _Row:
    row = _Row(number, {}, set())
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


def _service_issues(
    exc: ValidationError,
    row: _Row,
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


# Importing ---------------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised inside the import's transaction when any row is wrong: nothing is kept."""


def _unpacked_bytes(data: bytes) -> int:
    """What the zip says its parts hold unpacked (reading never yields more than that)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def _open(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)


_UNREADABLE = (
    "Файл не удалось прочитать как таблицу Excel (.xlsx). Скачайте шаблон, заполните "
    "его и сохраните в формате .xlsx."
)
_TOO_LONG = (
    f"Файл обрабатывался дольше {IMPORT_SECONDS} секунд и не загружен: разделите его на "
    "несколько и загрузите по частям."
)


def catalog_import(*, actor: User, provider: Provider, data: bytes) -> ImportResult:
    """Import the provider's programs and groups from an XLSX file in the template, all or nothing.

    Guarantees: only the provider's administrator imports; every cell of both sheets is checked,
    and every row by the same services that create programs and groups by hand; if anything is
    wrong, nothing is saved and every error is listed with its sheet, row and column; programs
    are saved as drafts; a program title the provider already has, or a group name its program
    already has, is refused, so uploading the same file twice creates nothing twice.
    """
    if not ProviderStaff.objects.filter(
        provider=provider, user=actor, role=StaffRole.ADMIN
    ).exists():
        raise PermissionDenied("Загружать программы может администратор организации.")
    if provider.status != ProviderStatus.APPROVED:
        raise PermissionDenied(
            "Загружать программы можно, когда оператор допустит организацию к работе."
        )
    result = ImportResult()
    deadline = _Deadline(IMPORT_SECONDS)
    try:
        _import(provider, data, result, deadline)
    except _TooLong:
        result.programs = result.groups = 0
        result.issues[:] = [ImportIssue("", 0, "", _TOO_LONG)]
    return result


def _import(provider: Provider, data: bytes, result: ImportResult, deadline: _Deadline) -> None:
    issues = result.issues
    if len(data) > MAX_FILE_BYTES:
        issues.append(ImportIssue("", 0, "", "Файл больше 5 МБ: разделите его на несколько."))
        return
    try:
        too_big = _unpacked_bytes(data) > MAX_UNPACKED_BYTES
        wb = None if too_big else _open(data)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        issues.append(ImportIssue("", 0, "", _UNREADABLE))
        return
    if wb is None:
        issues.append(
            ImportIssue(
                "",
                0,
                "",
                f"Таблицы в файле занимают больше {MAX_UNPACKED_BYTES // 1024 // 1024} МБ: "
                "удалите пустые строки и столбцы или разделите файл.",
            )
        )
        return
    try:
        for title in (PROGRAMS_SHEET, GROUPS_SHEET):
            if title not in wb.sheetnames:
                issues.append(
                    ImportIssue(title, 0, "", f"В файле нет листа «{title}»: возьмите шаблон.")
                )
        if issues:
            return
        program_rows, program_pos = _rows(
            wb[PROGRAMS_SHEET], PROGRAMS_SHEET, PROGRAM_COLUMNS, issues, deadline
        )
        group_rows, group_pos = _rows(
            wb[GROUPS_SHEET], GROUPS_SHEET, GROUP_COLUMNS, issues, deadline
        )
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile, SyntaxError):
        # A sheet that is not what its zip says (broken XML, a cell openpyxl cannot read).
        issues[:] = [ImportIssue("", 0, "", _UNREADABLE)]
        return
    finally:
        wb.close()
    if not program_rows and not group_rows and not issues:
        issues.append(ImportIssue("", 0, "", "В файле нет ни одной заполненной строки."))
        return
    try:
        with transaction.atomic():
            _save(provider, program_rows, program_pos, group_rows, group_pos, result, deadline)
            if issues:
                raise _Rollback
    except _Rollback:
        result.programs = result.groups = 0
        order = {PROGRAMS_SHEET: 1, GROUPS_SHEET: 2}
        # Stable: within a cell, the reader's message comes before the services'.
        issues.sort(key=lambda i: (order.get(i.sheet, 0), i.row, i.column == "", i.column))


def _save(
    provider: Provider,
    program_rows: list[_Row],
    program_pos: dict[str, int],
    group_rows: list[_Row],
    group_pos: dict[str, int],
    result: ImportResult,
    deadline: _Deadline,
) -> None:
    """Every row through the services, each in a savepoint; what is wrong goes to `result`.
    Past the deadline _TooLong leaves the transaction, which rolls everything back."""
    saver = _Saver(provider, result, program_pos, group_pos)
    for row in program_rows:
        deadline.check()
        saver.program_save(row)
    for row in group_rows:
        deadline.check()
        saver.group_save(row)


class _Saver:
    """Saves the rows of one file in order, remembering what the group rows refer to: the
    programs by code and title (rows of this file, or programs the provider already has), the
    group names already taken, the provider's staff by e-mail."""

    def __init__(
        self,
        provider: Provider,
        result: ImportResult,
        program_pos: dict[str, int],
        group_pos: dict[str, int],
    ) -> None:
        self.provider = provider
        self.result = result
        self.program_pos = program_pos
        self.group_pos = group_pos
        self.existing_titles = {
            fold(title): pk
            for pk, title in Program.objects.filter(provider=provider)
            .exclude(state=ProgramState.ARCHIVED)
            .values_list("pk", "title")
        }
        self.by_code: dict[str, _Row] = {}
        self.by_title: dict[str, list[_Row]] = {}
        self.saved: dict[int, Program | None] = {}  # program row number -> program, None if wrong
        self.group_names: set[tuple[int, str]] = set()
        self.teachers = {
            staff.user.email.lower(): staff.user
            for staff in ProviderStaff.objects.filter(provider=provider).select_related("user")
        }
        self.stand_in: Program | None = None

    # Where the errors go ---------------------------------------------------------------------

    def _program_issue(self, row: _Row, key: str, message: str) -> None:
        """An error in the row's cell: the services' own errors about it are not repeated."""
        column = column_name(PROGRAM_COLUMNS, self.program_pos, key)
        self.result.issues.append(ImportIssue(PROGRAMS_SHEET, row.number, column, message))
        row.bad.add(key)

    def _group_issue(self, row: _Row, key: str, message: str, *, bad: bool = True) -> None:
        column = column_name(GROUP_COLUMNS, self.group_pos, key)
        self.result.issues.append(ImportIssue(GROUPS_SHEET, row.number, column, message))
        if bad:
            row.bad.add(key)

    # Programs ----------------------------------------------------------------------------------

    def program_save(self, row: _Row) -> None:
        """A row of «Программы»: its code and title checked against the file and the provider's
        programs, then the program created as a draft by the catalogue's own service."""
        self._program_code_check(row)
        self._program_title_check(row)
        fields = {k: v for k, v in row.values.items() if k != "code"}
        for key in ("title", "description", "address"):
            fields[key] = fields[key] or ""
        try:
            with transaction.atomic():
                created = programs.program_create(
                    provider=self.provider, state=ProgramState.DRAFT, **fields
                )
        except ValidationError as exc:
            self.result.issues.extend(
                _service_issues(exc, row, PROGRAMS_SHEET, PROGRAM_COLUMNS, self.program_pos)
            )
            self.saved[row.number] = None
        else:
            self.saved[row.number] = None if row.bad else created
            self.result.programs += 1

    def _program_code_check(self, row: _Row) -> None:
        code = row.values["code"]
        if not code:
            return
        first = self.by_code.get(fold(code))
        if first is not None:
            self._program_issue(
                row,
                "code",
                f"Код «{code}» уже указан в строке {first.number}: коды не повторяются.",
            )
        else:
            self.by_code[fold(code)] = row

    def _program_title_check(self, row: _Row) -> None:
        title = row.values["title"]
        if not title:
            return
        self.by_title.setdefault(fold(title), []).append(row)
        if fold(title) in self.existing_titles:
            self._program_issue(
                row,
                "title",
                f"Программа «{title}» у вас уже есть: её не нужно загружать снова.",
            )

    # Groups ------------------------------------------------------------------------------------

    def group_save(self, row: _Row) -> None:
        """A row of «Группы»: its program found, its teacher among the staff, its name not
        taken; then the group created by the catalogue's own service. A group of a wrong or
        unknown program is checked against a stand-in program all the same, so that one
        upload lists every error (the stand-in never outlives the transaction: an error is
        already recorded)."""
        program, program_row = self._group_program(row)
        teacher = self._group_teacher(row)
        self._group_name_check(row, program)
        if program is None:
            self.stand_in = self.stand_in or _stand_in_program(self.provider)
        target = program if program is not None else self.stand_in
        assert target is not None
        values = row.values
        try:
            with transaction.atomic():
                groups.group_create(
                    program=target,
                    name=values["name"] or "",
                    capacity=values["capacity"],
                    start_date=values["start_date"],
                    end_date=values["end_date"],
                    schedule=values["schedule"] or [],
                    teacher=teacher,
                    enrollment_open=values["enrollment_open"],
                )
        except ValidationError as exc:
            self.result.issues.extend(
                _service_issues(exc, row, GROUPS_SHEET, GROUP_COLUMNS, self.group_pos)
            )
        else:
            self.result.groups += 1
        if program_row is not None and program is None:
            self._group_issue(
                row,
                "program",
                f"Программа в строке {program_row.number} листа «{PROGRAMS_SHEET}» "
                "заполнена с ошибками: исправьте их, и группа загрузится вместе с ней.",
                bad=False,
            )

    def _group_program(self, row: _Row) -> tuple[Program | None, _Row | None]:
        """The program the row names, and the row of «Программы» it is, if it is one: by code,
        else by title on that sheet (which must then be one program), else by the title of a
        program the provider already has."""
        reference = row.values["program"]
        if not reference:
            return None, None
        program_row = self.by_code.get(fold(reference))
        same_title = self.by_title.get(fold(reference), [])
        if program_row is None and len(same_title) > 1:
            rows_text = ", ".join(str(r.number) for r in same_title)
            self._group_issue(
                row,
                "program",
                f"Программ «{reference}» несколько (строки {rows_text} листа "
                f"«{PROGRAMS_SHEET}»): дайте им коды и укажите код.",
            )
        elif program_row is None and same_title:
            program_row = same_title[0]
        if program_row is not None:
            return self.saved.get(program_row.number), program_row
        if "program" in row.bad:
            return None, None
        pk = self.existing_titles.get(fold(reference))
        if pk is None:
            self._group_issue(
                row,
                "program",
                f"Программы «{reference}» нет ни на листе «{PROGRAMS_SHEET}», "
                "ни среди ваших программ на портале.",
            )
            return None, None
        return Program.objects.get(pk=pk), None

    def _group_teacher(self, row: _Row) -> User | None:
        email = row.values["teacher"]
        if not email:
            return None
        teacher = self.teachers.get(email.lower())
        if teacher is None:
            self._group_issue(
                row,
                "teacher",
                f"Сотрудника с почтой {email} в вашей организации нет: пригласите его "
                "в кабинете или оставьте поле пустым.",
            )
        return teacher

    def _group_name_check(self, row: _Row, program: Program | None) -> None:
        name = row.values["name"]
        if program is None or not name:
            return
        name_key = (program.pk, fold(name))
        taken = (
            name_key in self.group_names
            or Group.objects.filter(program=program, name__iexact=name).exists()
        )
        if taken:
            self._group_issue(row, "name", f"Группа «{name}» у этой программы уже есть.")
        self.group_names.add(name_key)


def _stand_in_program(provider: Provider) -> Program:
    return programs.program_create(
        provider=provider,
        title="Проверка файла",
        description="Проверка файла",
        direction=Direction.TECHNICAL,
        age_min=5,
        age_max=18,
        duration_months=1,
        hours_per_week=1,
        price_per_hour=0,
        financing_source=FinancingSource.BUDGET,
        address="Проверка файла",
    )
