"""The attendance journal of a group for one month as an XLSX workbook."""

from openpyxl import Workbook

from kruzhok.attendance.selectors import OUTSIDE_CONTRACT, Journal
from kruzhok.billing.selectors import charge_totals_by_contract
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.common.months import month_name
from kruzhok.common.xlsx import (
    BOLD,
    MONEY_FORMAT,
    header_write,
    rubles,
    text_write,
    workbook_bytes,
)

# "б" — был, "н" — не был: the letters paper journals use.
_MARK = {True: "б", False: "н", None: ""}


def _lesson_header(lesson: Lesson) -> str:
    cancelled = lesson.status == LessonStatus.CANCELLED
    return f"{lesson.date:%d.%m}" + (" отменено" if cancelled else "")


def journal_xlsx(*, journal: Journal) -> bytes:
    """Children × lessons of the month with marks, attended lessons and the month's charges.

    Only the group's own children under contract appear: the journal selector decides who.
    """
    group = journal.group
    wb = Workbook()
    ws = wb.active
    ws.title = journal.month.strftime("%m.%Y")
    ws["A1"] = f"Журнал посещаемости: {group.program.title} — {group.name}"
    ws["A1"].font = BOLD
    text_write(ws, 2, 1, f"{group.program.provider.short_name}, {month_name(journal.month)}")
    if journal.closure is not None:
        ws["A3"] = f"Месяц закрыт {journal.closure.closed_at:%d.%m.%Y}"
    ws["A4"] = "б — был, н — не был, пусто — не отмечен, — — вне срока договора"
    lessons = journal.lessons
    headers = [
        "Ребёнок",
        "Договор",
        *(_lesson_header(lesson) for lesson in lessons),
        "Посещено занятий",
        "Списано с сертификата",
        "Доплата родителя",
    ]
    widths = [24, 14, *(7 for _ in lessons), 11, 14, 14]
    header_write(ws, 6, headers, widths)
    totals = charge_totals_by_contract(
        contract_ids=[row.contract.pk for row in journal.rows],
        lesson_ids=[lesson.pk for lesson in lessons],
    )
    for index, row in enumerate(journal.rows, start=7):
        contract = row.contract
        text_write(ws, index, 1, contract.application.child.initials_name)
        text_write(ws, index, 2, contract.number)
        for offset, cell in enumerate(row.cells, start=3):
            outside = cell.reason == OUTSIDE_CONTRACT
            ws.cell(row=index, column=offset, value="—" if outside else _MARK[cell.present])
        base = 3 + len(lessons)
        ws.cell(row=index, column=base, value=sum(1 for c in row.cells if c.present))
        total = totals.get(contract.pk)
        for column, amount in (
            (base + 1, total.certificate if total else 0),
            (base + 2, total.parent if total else 0),
        ):
            money = ws.cell(row=index, column=column, value=rubles(amount))
            money.number_format = MONEY_FORMAT
    return workbook_bytes(wb)
