"""Programs and groups from an XLSX file in the portal's template, all or nothing.

The template has two sheets: «Программы» (one row a program) and «Группы» (one row a group,
naming its program by the code or the title given on «Программы», or by the title of a program
the provider already has). The whole file is checked first: every cell is read into its type
(`catalog.import_rows`), then every row goes through the catalogue's own services
(program_create, group_create), each in a savepoint of one transaction. If any row of any sheet
is wrong, that transaction is rolled back and every error is reported by sheet, row and column;
otherwise everything is saved at once.
"""

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from kruzhok.accounts.models import User
from kruzhok.catalog import groups, programs
from kruzhok.catalog.import_rows import (
    Deadline,
    ImportIssue,
    Row,
    TooLong,
    service_issues,
    sheet_rows,
)
from kruzhok.catalog.import_template import (
    GROUP_COLUMNS,
    GROUPS_SHEET,
    IMPORT_SECONDS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    PROGRAM_COLUMNS,
    PROGRAMS_SHEET,
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


@dataclass
class ImportResult:
    issues: list[ImportIssue] = field(default_factory=list)
    programs: int = 0
    groups: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues


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
    deadline = Deadline(IMPORT_SECONDS)
    try:
        _import(provider, data, result, deadline)
    except TooLong:
        result.programs = result.groups = 0
        result.issues[:] = [ImportIssue("", 0, "", _TOO_LONG)]
    return result


def _import(provider: Provider, data: bytes, result: ImportResult, deadline: Deadline) -> None:
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
        program_rows, program_pos = sheet_rows(
            wb[PROGRAMS_SHEET], PROGRAMS_SHEET, PROGRAM_COLUMNS, issues, deadline
        )
        group_rows, group_pos = sheet_rows(
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
    program_rows: list[Row],
    program_pos: dict[str, int],
    group_rows: list[Row],
    group_pos: dict[str, int],
    result: ImportResult,
    deadline: Deadline,
) -> None:
    """Every row through the services, each in a savepoint; what is wrong goes to `result`.
    Past the deadline TooLong leaves the transaction, which rolls everything back."""
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
        self.by_code: dict[str, Row] = {}
        self.by_title: dict[str, list[Row]] = {}
        self.saved: dict[int, Program | None] = {}  # program row number -> program, None if wrong
        self.group_names: set[tuple[int, str]] = set()
        self.teachers = {
            staff.user.email.lower(): staff.user
            for staff in ProviderStaff.objects.filter(provider=provider).select_related("user")
        }
        self.stand_in: Program | None = None

    # Where the errors go ---------------------------------------------------------------------

    def _program_issue(self, row: Row, key: str, message: str) -> None:
        """An error in the row's cell: the services' own errors about it are not repeated."""
        column = column_name(PROGRAM_COLUMNS, self.program_pos, key)
        self.result.issues.append(ImportIssue(PROGRAMS_SHEET, row.number, column, message))
        row.bad.add(key)

    def _group_issue(self, row: Row, key: str, message: str, *, bad: bool = True) -> None:
        column = column_name(GROUP_COLUMNS, self.group_pos, key)
        self.result.issues.append(ImportIssue(GROUPS_SHEET, row.number, column, message))
        if bad:
            row.bad.add(key)

    # Programs ----------------------------------------------------------------------------------

    def program_save(self, row: Row) -> None:
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
                service_issues(exc, row, PROGRAMS_SHEET, PROGRAM_COLUMNS, self.program_pos)
            )
            self.saved[row.number] = None
        else:
            self.saved[row.number] = None if row.bad else created
            self.result.programs += 1

    def _program_code_check(self, row: Row) -> None:
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

    def _program_title_check(self, row: Row) -> None:
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

    def group_save(self, row: Row) -> None:
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
                service_issues(exc, row, GROUPS_SHEET, GROUP_COLUMNS, self.group_pos)
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

    def _group_program(self, row: Row) -> tuple[Program | None, Row | None]:
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

    def _group_teacher(self, row: Row) -> User | None:
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

    def _group_name_check(self, row: Row, program: Program | None) -> None:
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
