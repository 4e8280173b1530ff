"""XLSX files for the import's tests: one valid program row, one valid group row, and the
portal's template with any rows filled in."""

import datetime
import io

from openpyxl import Workbook, load_workbook

from kruzhok.catalog.imports import (
    GROUP_COLUMNS,
    GROUPS_SHEET,
    PROGRAM_COLUMNS,
    PROGRAMS_SHEET,
    import_template,
)

PROGRAM = {
    "Код": "R1",
    "Название": "Лего-конструирование",
    "Описание": "Собираем модели и узнаём, как устроены механизмы.",
    "Направленность": "Техническая",
    "Возраст от, лет": 5,
    "Возраст до, лет": 8,
    "Продолжительность, месяцев": 9,
    "Академических часов в неделю": 2,
    "Стоимость академического часа, ₽": "180,50",
    "Источник финансирования": "По сертификату",
    "Доступна детям с ОВЗ": "да",
    "Адрес проведения": "г. Нефтекумск, ул. Ленина, 1",
}
GROUP = {
    "Программа": "R1",
    "Название группы": "Группа 1",
    "Мест": 12,
    "Начало занятий": datetime.date(2026, 11, 2),
    "Окончание занятий": "28.05.2027",
    "Расписание": "пн 16:00 1; ср 16:00 1",
}


def xlsx(programs=(), groups=(), *, template=True) -> bytes:
    """The portal's template with these rows filled in (dicts keyed by column title)."""
    wb = load_workbook(io.BytesIO(import_template())) if template else Workbook()
    for title, columns, rows in (
        ()
        if not template
        else (
            (PROGRAMS_SHEET, PROGRAM_COLUMNS, programs),
            (GROUPS_SHEET, GROUP_COLUMNS, groups),
        )
    ):
        ws = wb[title]
        headers = [c.header for c in columns]
        for number, row in enumerate(rows, start=2):
            unknown = set(row) - set(headers)
            assert not unknown, unknown
            for title_, value in row.items():
                ws.cell(row=number, column=headers.index(title_) + 1, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
