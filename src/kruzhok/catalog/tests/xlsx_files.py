"""XLSX files for the import's tests: one valid program row, one valid group row, and the
portal's template with any rows filled in."""

import datetime
import io
import re
import zipfile

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


def _sheet_rewritten(data: bytes, sheet: str, rewrite) -> bytes:
    """The file with one worksheet's XML passed through `rewrite` (the rest kept as is)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == sheet:
                content = rewrite(content)
            target.writestr(info.filename, content)
    return buffer.getvalue()


PROGRAMS_XML = "xl/worksheets/sheet2.xml"  # «Программы» in the template


def blank_rows_bomb(blank_rows: int, *, programs=(PROGRAM,), then=None) -> bytes:
    """The probe's file (issue 12, finding 1): «Программы» declares the whole sheet
    (A1:XFD1048576) and holds `blank_rows` empty rows after its filled ones; `then`, a program
    row's title, comes after them."""
    filled = len(programs) + 1

    def rewrite(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        # Rows without a number follow the previous one: a million of them pack to ~20 KB.
        blanks = b"<row/>" * blank_rows
        tail = b""
        if then is not None:
            number = filled + 1 + blank_rows
            tail = b'<row r="%d"><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (
                number,
                number,
                then.encode(),
            )
        return xml.replace(b"</sheetData>", blanks + tail + b"</sheetData>")

    return _sheet_rewritten(xlsx(list(programs)), PROGRAMS_XML, rewrite)


def unpacked_bomb(megabytes: int) -> bytes:
    """A small upload whose «Программы» unpacks to `megabytes` of XML (one long cell)."""
    filler = b"a" * (megabytes * 1024 * 1024)

    def rewrite(xml: bytes) -> bytes:
        cell = b'<row r="3"><c r="C3" t="inlineStr"><is><t>' + filler + b"</t></is></c></row>"
        return xml.replace(b"</sheetData>", cell + b"</sheetData>")

    return _sheet_rewritten(xlsx([PROGRAM]), PROGRAMS_XML, rewrite)
