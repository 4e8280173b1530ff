"""The XLSX template for programs and groups: its sheets and columns, how each cell is read,
and the empty workbook the provider's cabinet offers for download (see catalog.imports)."""

import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    ProgramLevel,
    ProgramType,
    ScheduleEntry,
    StudyForm,
    Weekday,
)
from kruzhok.common.money import rubles_to_kopecks

PROGRAMS_SHEET = "Программы"
GROUPS_SHEET = "Группы"
HELP_SHEET = "Как заполнить"
LISTS_SHEET = "Списки"
MAX_ROWS = 1000  # filled rows per sheet: a provider's whole catalogue fits many times over
# Every row counts against this one, blank rows included: a sheet of a million empty rows is
# refused after reading a few thousand, whatever its declared dimension says.
MAX_SHEET_ROWS = 5 * MAX_ROWS
MAX_FILE_BYTES = 5 * 1024 * 1024
# The file unpacked (what its zip says every part holds): a compressed XML bomb of a small
# upload stays small. The template with MAX_ROWS long rows on each sheet unpacks to ~3 MB.
MAX_UNPACKED_BYTES = 25 * 1024 * 1024
IMPORT_SECONDS = 30  # the whole import, reading and saving, holds a worker no longer

_WEEKDAYS = {
    "пн": Weekday.MONDAY,
    "понедельник": Weekday.MONDAY,
    "вт": Weekday.TUESDAY,
    "вторник": Weekday.TUESDAY,
    "ср": Weekday.WEDNESDAY,
    "среда": Weekday.WEDNESDAY,
    "чт": Weekday.THURSDAY,
    "четверг": Weekday.THURSDAY,
    "пт": Weekday.FRIDAY,
    "пятница": Weekday.FRIDAY,
    "сб": Weekday.SATURDAY,
    "суббота": Weekday.SATURDAY,
    "вс": Weekday.SUNDAY,
    "воскресенье": Weekday.SUNDAY,
}
_SLOT = re.compile(r"^(?P<day>[а-яё]+)\.?\s+(?P<h>\d{1,2})[:.](?P<m>\d{2})\s+(?P<hours>\d{1,2})$")
_YES = {"да", "yes", "true", "1", "+", "истина"}
_NO = {"нет", "no", "false", "0", "-", "ложь"}


# Columns and cells -------------------------------------------------------------------------


class CellError(Exception):
    """A cell that cannot be read; the message says in Russian what it should look like."""


@dataclass(frozen=True)
class Column:
    key: str  # the service's argument, or a key of our own ("code", "program")
    header: str
    required: bool
    help: str
    parse: Callable[[Any], Any]
    choices: tuple[str, ...] = ()  # labels offered in the template's drop-down
    width: int = 18


def cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[ \t]+", " ", str(value)).strip()


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("Нужно целое число.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise CellError(f"Нужно целое число, а не «{text}».")


def _money(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("Нужна сумма в рублях, например 150 или 150,50.")
    if isinstance(value, float):
        value = Decimal(repr(value))
    try:
        return rubles_to_kopecks(value if isinstance(value, int | Decimal) else cell_text(value))
    except (ValueError, InvalidOperation) as exc:
        raise CellError(
            f"Нужна сумма в рублях с копейками не точнее 0,01, например 150 или 150,50, "
            f"а не «{cell_text(value)}»."
        ) from exc


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{1,2}-\d{1,2}", text):
        raise CellError(f"Такой даты нет в календаре: «{text}».")
    raise CellError(f"Нужна дата вида 01.09.2026, а не «{text}».")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(f"Напишите «да» или «нет», а не «{text}».")


def _choice(choices: type[models.TextChoices]) -> Callable[[Any], str]:
    by_name = {fold(str(label)): str(value) for value, label in choices.choices}
    by_name.update({fold(str(value)): str(value) for value in choices.values})

    def parse(value: Any) -> str:
        text = cell_text(value)
        code = by_name.get(fold(text))
        if code is None:
            allowed = "; ".join(f"«{label}»" for label in choices.labels)
            raise CellError(f"«{text}» — нет такого значения. Выберите одно из: {allowed}.")
        return code

    return parse


def _schedule(value: Any) -> list[ScheduleEntry]:
    entries: list[ScheduleEntry] = []
    for part in re.split(r"[;\n]+", cell_text(value)):
        part = part.strip().lower()
        if not part:
            continue
        match = _SLOT.match(part)
        weekday = _WEEKDAYS.get(match["day"]) if match else None
        if match is None or weekday is None:
            raise CellError(
                f"Запись «{part}» не понятна. Пишите день недели, время начала и число "
                "академических часов, записи — через точку с запятой: «вт 15:00 2; чт 15:00 2»."
            )
        try:
            start = datetime.time(int(match["h"]), int(match["m"]))
        except ValueError as exc:
            raise CellError(f"В записи «{part}» неверное время: пишите от 00:00 до 23:59.") from exc
        entries.append((int(weekday), start, int(match["hours"])))
    if not entries:
        raise CellError("Укажите хотя бы одно занятие в неделю, например «вт 15:00 2».")
    return entries


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "").replace("ё", "е").strip().lower())


def _labels(choices: type[models.TextChoices]) -> tuple[str, ...]:
    return tuple(str(label) for label in choices.labels)


PROGRAM_COLUMNS = (
    Column(
        "code",
        "Код",
        False,
        "Короткое слово, по которому группы на листе «Группы» найдут эту программу, "
        "например R1. Можно не заполнять и указывать в группах название программы.",
        cell_text,
        width=8,
    ),
    Column(
        "title", "Название", True, "Как программа будет названа в каталоге.", cell_text, width=30
    ),
    Column(
        "description",
        "Описание",
        True,
        "Чему научится ребёнок, как проходят занятия.",
        cell_text,
        width=40,
    ),
    Column(
        "direction",
        "Направленность",
        True,
        "Одна из шести направленностей.",
        _choice(Direction),
        _labels(Direction),
        24,
    ),
    Column(
        "program_type",
        "Вид программы",
        False,
        "Если пусто — общеразвивающая.",
        _choice(ProgramType),
        _labels(ProgramType),
    ),
    Column(
        "level",
        "Уровень",
        False,
        "Если пусто — стартовый.",
        _choice(ProgramLevel),
        _labels(ProgramLevel),
    ),
    Column("age_min", "Возраст от, лет", True, "Целое число от 5 до 18.", _int, width=10),
    Column("age_max", "Возраст до, лет", True, "Целое число от 5 до 18.", _int, width=10),
    Column(
        "study_form",
        "Форма обучения",
        False,
        "Если пусто — очная.",
        _choice(StudyForm),
        _labels(StudyForm),
    ),
    Column(
        "duration_months", "Продолжительность, месяцев", True, "Целое число месяцев.", _int, (), 14
    ),
    Column(
        "hours_per_week",
        "Академических часов в неделю",
        True,
        "Целое число.",
        _int,
        width=14,
    ),
    Column(
        "price_per_hour",
        "Стоимость академического часа, ₽",
        True,
        "Рубли, копейки через запятую: 150 или 150,50. Для бесплатной программы — 0.",
        _money,
        width=16,
    ),
    Column(
        "financing_source",
        "Источник финансирования",
        True,
        "По сертификату, бесплатно (муниципальное задание) или платно.",
        _choice(FinancingSource),
        _labels(FinancingSource),
        24,
    ),
    Column(
        "accessible_ovz",
        "Доступна детям с ОВЗ",
        False,
        "«да» или «нет»; если пусто — нет.",
        _bool,
        ("да", "нет"),
        12,
    ),
    Column(
        "address",
        "Адрес проведения",
        False,
        "Обязателен, если занятия не только дистанционные.",
        cell_text,
        width=30,
    ),
)

GROUP_COLUMNS = (
    Column(
        "program",
        "Программа",
        True,
        "Код или название программы с листа «Программы» либо название вашей программы, "
        "уже опубликованной на портале.",
        cell_text,
        width=24,
    ),
    Column("name", "Название группы", True, "Например «Группа 1».", cell_text, width=16),
    Column(
        "teacher",
        "Педагог (e-mail)",
        False,
        "Почта, с которой педагог входит на портал; он должен быть сотрудником организации.",
        cell_text,
        width=24,
    ),
    Column("capacity", "Мест", True, "Целое число, не меньше 1.", _int, width=8),
    Column("start_date", "Начало занятий", True, "Дата вида 01.09.2026.", _date, width=14),
    Column("end_date", "Окончание занятий", True, "Дата вида 31.05.2027.", _date, width=14),
    Column(
        "schedule",
        "Расписание",
        True,
        "День недели, время начала и академических часов, через точку с запятой: "
        "«вт 15:00 2; чт 15:00 2». Праздничные дни пропускаются сами.",
        _schedule,
        width=26,
    ),
    Column(
        "enrollment_open",
        "Запись открыта",
        False,
        "«да» или «нет»; если пусто — да.",
        _bool,
        ("да", "нет"),
        12,
    ),
)

DEFAULTS: dict[str, Any] = {
    "program_type": ProgramType.GENERAL,
    "level": ProgramLevel.INITIAL,
    "study_form": StudyForm.FULL_TIME,
    "accessible_ovz": False,
    "enrollment_open": True,
    "code": "",
    "teacher": "",
    "address": "",
}


def column_name(columns: tuple[Column, ...], positions: dict[str, int], key: str) -> str:
    column = next((c for c in columns if c.key == key), None)
    if column is None or key not in positions:
        return ""
    return f"{get_column_letter(positions[key] + 1)} «{column.header}»"


# The template ------------------------------------------------------------------------------


def import_template() -> bytes:
    """The empty template: both sheets with their headers (required ones marked with *),
    drop-down lists for the fixed values, and a sheet explaining every column."""
    wb = Workbook()
    lists = wb.active
    lists.title = LISTS_SHEET
    help_sheet = wb.create_sheet(HELP_SHEET, 0)
    sheets = {
        PROGRAMS_SHEET: wb.create_sheet(PROGRAMS_SHEET, 1),
        GROUPS_SHEET: wb.create_sheet(GROUPS_SHEET, 2),
    }
    lists.sheet_state = "hidden"
    list_column = 0
    help_sheet["A1"] = "Загрузка программ и групп"
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet["A2"] = (
        "Заполните листы «Программы» и «Группы», по строке на программу и на группу. "
        "Столбцы со звёздочкой обязательны. Файл загружается целиком: если в какой-то строке "
        "ошибка, не сохранится ничего, а портал перечислит все ошибки с номерами строк. "
        "Программы сохраняются черновиками: отправьте их на проверку в кабинете."
    )
    help_sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet.merge_cells("A2:C2")
    help_sheet.row_dimensions[2].height = 75
    help_row = 4
    for title, columns in ((PROGRAMS_SHEET, PROGRAM_COLUMNS), (GROUPS_SHEET, GROUP_COLUMNS)):
        ws = sheets[title]
        help_sheet.cell(row=help_row, column=1, value=f"Лист «{title}»").font = Font(bold=True)
        help_row += 1
        for index, column in enumerate(columns, start=1):
            header = column.header + (" *" if column.required else "")
            cell = ws.cell(row=1, column=index, value=header)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = column.width
            help_sheet.cell(row=help_row, column=1, value=header)
            help_sheet.cell(row=help_row, column=2, value="обязательно" if column.required else "")
            help_sheet.cell(row=help_row, column=3, value=column.help).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
            help_row += 1
            if column.choices:
                list_column += 1
                list_letter = get_column_letter(list_column)
                for offset, label in enumerate(column.choices, start=1):
                    lists.cell(row=offset, column=list_column, value=label)
                validation = DataValidation(
                    type="list",
                    formula1=f"'{LISTS_SHEET}'!${list_letter}$1:${list_letter}${len(column.choices)}",
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorTitle=column.header,
                    error="Выберите значение из списка.",
                )
                validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
                ws.add_data_validation(validation)
        ws.freeze_panes = "A2"
        help_row += 1
    help_sheet.cell(row=help_row, column=1, value="Пример расписания").font = Font(bold=True)
    help_sheet.cell(row=help_row, column=3, value="вт 15:00 2; чт 15:00 2")
    help_sheet.column_dimensions["A"].width = 34
    help_sheet.column_dimensions["B"].width = 13
    help_sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
