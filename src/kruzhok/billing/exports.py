"""The provider's contracts with what has been charged under each, as an XLSX workbook."""

from collections.abc import Iterable

from django.utils import timezone
from openpyxl import Workbook

from kruzhok.billing.selectors import charge_totals_by_contract
from kruzhok.common.xlsx import (
    BOLD,
    MONEY_FORMAT,
    header_write,
    rubles,
    text_write,
    workbook_bytes,
)
from kruzhok.enrollment.models import Contract

_HEADERS = (
    ("Договор", 14),
    ("Ребёнок", 24),
    ("Программа", 30),
    ("Группа", 16),
    ("Организация", 24),
    ("Начало", 11),
    ("Окончание", 11),
    ("Расторгнут с", 12),
    ("Состояние", 16),
    ("Полная стоимость", 14),
    ("За счёт сертификата", 14),
    ("Доплата родителя", 14),
    ("Посещено занятий", 11),
    ("Списано с сертификата", 14),
    ("Начислено доплаты", 14),
)
_MONEY_COLUMNS = frozenset({10, 11, 12, 14, 15})


def contracts_xlsx(*, contracts: Iterable[Contract]) -> bytes:
    """One row per contract: parties (child by initials), period, parts, charged so far.

    The caller passes only the contracts the user may see (billing.selectors decides who).
    """
    contracts = list(contracts)
    totals = charge_totals_by_contract(contract_ids=[c.pk for c in contracts])
    wb = Workbook()
    ws = wb.active
    ws.title = "Договоры"
    ws["A1"] = f"Договоры на {timezone.localdate():%d.%m.%Y}"
    ws["A1"].font = BOLD
    header_write(ws, 3, [h for h, _ in _HEADERS], [w for _, w in _HEADERS])
    for index, contract in enumerate(contracts, start=4):
        application = contract.application
        group = application.group
        total = totals.get(contract.pk)
        values = (
            contract.number,
            application.child.initials_name,
            group.program.title,
            group.name,
            group.program.provider.short_name,
            contract.start_date,
            contract.end_date,
            contract.terminated_on,
            application.get_status_display(),
            rubles(contract.total_cost),
            rubles(contract.certificate_part),
            rubles(contract.parent_part),
            total.lessons if total else 0,
            rubles(total.certificate if total else 0),
            rubles(total.parent if total else 0),
        )
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):  # names and titles people typed: text, never a formula
                text_write(ws, index, column, value)
                continue
            cell = ws.cell(row=index, column=column, value=value)
            if column in _MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
            elif column in (6, 7, 8):
                cell.number_format = "DD.MM.YYYY"
    return workbook_bytes(wb)
