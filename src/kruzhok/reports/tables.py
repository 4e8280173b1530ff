"""The reports' tables: each one built from the selectors' aggregates, shown as HTML and
downloaded as XLSX from the same rows (so the two never disagree)."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from kruzhok.catalog.models import Direction
from kruzhok.certificates import selectors as certificate_selectors
from kruzhok.common.xlsx import MONEY_FORMAT, header_write, rubles, text_write, workbook_bytes
from kruzhok.reports import selectors
from kruzhok.reports.selectors import CoverageRow

TEXT, COUNT, MONEY, PERCENT, RATIO = "text", "count", "money", "percent", "ratio"
MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


@dataclass(frozen=True)
class Scope:
    """What a report is about: the municipalities the user may see (one, or all of the region
    for a regional administrator) and the report date."""

    municipality_ids: list[int]
    label: str
    on: datetime.date


@dataclass(frozen=True)
class Column:
    header: str
    kind: str
    width: int = 16


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Any, ...]]
    note: str = ""


def _coverage(name: str, title: str, first: str, rows: list[CoverageRow], note: str) -> Table:
    return Table(
        name=name,
        title=title,
        columns=(
            Column(first, TEXT, 36),
            Column("Охвачено детей", COUNT),
            Column("Детей 5–18 лет (численность)", COUNT, 20),
            Column("Охват, %", PERCENT),
        ),
        rows=[(r.label, r.covered, r.population, r.percent) for r in rows],
        note=note,
    )


def coverage_direction(
    scope: Scope, overall: tuple[CoverageRow, list[CoverageRow]] | None = None
) -> Table:
    total, rows = overall or selectors.coverage_overall(
        municipality_ids=scope.municipality_ids, on=scope.on
    )
    return _coverage(
        "coverage-direction",
        "Охват по направленностям",
        "Направленность",
        [
            *rows,
            CoverageRow(
                "total", "Всего (ребёнок учитывается один раз)", total.covered, total.population
            ),
        ],
        "Ребёнок, который занимается в нескольких направленностях, учитывается в каждой из них "
        "и один раз во «Всего».",
    )


def coverage_age(scope: Scope) -> Table:
    rows = selectors.coverage_by_age(municipality_ids=scope.municipality_ids, on=scope.on)
    return _coverage(
        "coverage-age",
        "Охват по возрастам",
        "Возраст на дату отчёта",
        rows,
        "Численность по возрастам вводит оператор на странице «Численность детей».",
    )


def coverage_municipality(scope: Scope) -> Table:
    rows = selectors.coverage_by_municipality(municipality_ids=scope.municipality_ids, on=scope.on)
    return _coverage(
        "coverage-municipality",
        "Охват по муниципалитетам",
        "Муниципалитет (по месту жительства ребёнка)",
        rows,
        "",
    )


def certificates(scope: Scope) -> Table:
    use = selectors.certificate_use(municipality_ids=scope.municipality_ids, on=scope.on)
    return Table(
        name="certificates",
        title="Сертификаты",
        columns=(Column("Сертификаты", TEXT, 44), Column("Количество", COUNT)),
        rows=[
            ("Выдано всего", use.issued),
            ("Сертификаты персонифицированного финансирования", use.funded),
            ("Сертификаты учёта", use.accounting),
            ("Используются (есть действующий договор на дату отчёта)", use.in_use),
        ],
    )


def month_label(month: datetime.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


MONEY_MONTHS = 12


def money_since(on: datetime.date) -> datetime.date:
    """The first of the `MONEY_MONTHS` months that end with the report date's month."""
    index = on.year * 12 + on.month - 1 - (MONEY_MONTHS - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def money(scope: Scope) -> Table:
    months = certificate_selectors.certificate_money_by_month(
        municipality_ids=scope.municipality_ids,
        since=money_since(scope.on),
        until=scope.on.replace(day=1),
    )
    return Table(
        name="money",
        title="Средства сертификатов по месяцам",
        columns=(
            Column("Месяц", TEXT),
            Column("Зачислено", MONEY),
            Column("Списано за обучение", MONEY),
            Column("Возвращено в бюджет", MONEY),
            Column("В резерве на конец месяца", MONEY),
            Column("Остаток на конец месяца", MONEY),
        ),
        rows=[
            (month_label(m.month), m.credited, m.spent, m.expired, m.reserved, m.remaining)
            for m in months
        ],
        note=(
            f"{MONEY_MONTHS} месяцев по месяц даты отчёта, месяцы с движением средств. "
            "Остаток — зачисленное за вычетом списанного и возвращённого, резерв входит в него."
        ),
    )


def providers(scope: Scope) -> Table:
    rows = selectors.provider_table(municipality_ids=scope.municipality_ids, on=scope.on)
    return Table(
        name="providers",
        title="Поставщики: договоры и выручка",
        columns=(
            Column("Поставщик", TEXT, 40),
            Column("Договоров всего", COUNT),
            Column("Действуют на дату отчёта", COUNT),
            Column("Расторгнуто", COUNT),
            Column("Выручка за счёт сертификатов", MONEY),
            Column("Доплата родителей", MONEY),
            Column("Выручка всего", MONEY),
        ),
        rows=[
            (
                r["short_name"],
                r["contracts_total"],
                r["contracts_active"],
                r["contracts_terminated"],
                r["revenue_certificate"],
                r["revenue_parents"],
                r["revenue"],
            )
            for r in rows
        ],
        note="Выручка — начисления за занятия (отменённые не считаются), за всё время.",
    )


def programs(scope: Scope) -> Table:
    rows = selectors.program_table(municipality_ids=scope.municipality_ids)
    labels = dict(Direction.choices)
    return Table(
        name="programs",
        title="Программы: спрос и заполненность",
        columns=(
            Column("Программа", TEXT, 40),
            Column("Направленность", TEXT, 24),
            Column("Поставщик", TEXT, 30),
            Column("Заявок", COUNT),
            Column("Мест", COUNT),
            Column("Занято мест", COUNT),
            Column("Заявок на место", RATIO),
            Column("Заполненность, %", PERCENT),
        ),
        rows=[
            (
                r["title"],
                labels.get(r["direction"], r["direction"]),
                r["provider__short_name"],
                r["applications"],
                r["seats"],
                r["seats_taken"],
                r["demand"],
                r["fill"],
            )
            for r in rows
        ],
        note="Заявки — все поданные в группы программы; места — сумма мест её групп.",
    )


REPORTS: dict[str, Callable[[Scope], Table]] = {
    "coverage-direction": coverage_direction,
    "coverage-age": coverage_age,
    "coverage-municipality": coverage_municipality,
    "certificates": certificates,
    "money": money,
    "providers": providers,
    "programs": programs,
}


def table_xlsx(table: Table, scope: Scope) -> bytes:
    """The table as a workbook: a heading with the scope and the date, typed cells (money in
    rubles with the ruble format, shares as numbers), user text written as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = table.name[:31]
    text_write(ws, 1, 1, f"{table.title}: {scope.label}, на {scope.on:%d.%m.%Y}")
    header_write(ws, 3, [c.header for c in table.columns], [c.width for c in table.columns])
    for r, row in enumerate(table.rows, start=4):
        for c, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            if column.kind == TEXT:
                text_write(ws, r, c, str(value))
            elif value is None:
                continue
            elif column.kind == MONEY:
                ws.cell(row=r, column=c, value=rubles(int(value))).number_format = MONEY_FORMAT
            elif column.kind in (PERCENT, RATIO):
                ws.cell(row=r, column=c, value=round(float(value), 2)).number_format = "0.00"
            else:
                ws.cell(row=r, column=c, value=int(value))
    if table.note:
        text_write(ws, len(table.rows) + 5, 1, table.note)
    return workbook_bytes(wb)
