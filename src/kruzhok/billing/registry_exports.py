"""The payment registry (approved invoices still due) as an XLSX workbook and as payment
orders in 1CClientBankExchange for the payer's accounting or bank client.

Each order pays what is still due on one invoice, from the municipality's payer details to
the provider's bank details, with the purpose «Оплата по счёту № … от … за … (ПФДО)» that a
statement loaded later is matched by. The bank file also carries the advances whose payment
orders are dated the day of the export, under the numbers the operator recorded them with
(the invoices' orders are numbered around them), so the day's advances reach the bank in the
same file as the invoices. Missing details are refused up front with a Russian
message naming what to fill in and where, before the bank-exchange module checks the shape
of what is filled.
"""

import datetime
import itertools
from collections.abc import Sequence

from django.utils import timezone
from openpyxl import Workbook

from kruzhok.billing.models import Advance, Invoice
from kruzhok.common.bank_exchange import (
    BankDetails,
    PaymentOrder,
    payment_orders_export,
    payment_purpose,
)
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.common.xlsx import (
    BOLD,
    MONEY_FORMAT,
    header_write,
    rubles,
    text_write,
    workbook_bytes,
)
from kruzhok.providers.models import Provider

SENDER = "Кружок (ПФДО)"

_HEADERS = (
    ("Месяц", 14),
    ("Счёт", 10),
    ("Дата счёта", 11),
    ("Поставщик", 30),
    ("ИНН", 14),
    ("Расчётный счёт", 24),
    ("Банк", 30),
    ("БИК", 11),
    ("Корр. счёт", 24),
    ("Сумма счёта", 14),
    ("Оплачено", 14),
    ("К оплате", 14),
    ("Назначение платежа", 60),
)
_MONEY_COLUMNS = frozenset({10, 11, 12})


class RegistryExportError(Exception):
    """The registry cannot be exported; `str(error)` says in Russian what to fill in."""


def invoice_purpose(invoice: Invoice) -> str:
    return payment_purpose(str(invoice.number), invoice.issued_on, invoice.closure.month)


def registry_xlsx(*, municipality: Municipality, invoices: Sequence[Invoice]) -> bytes:
    """One row per invoice still due, with the payee's details and the payment's purpose;
    the text people typed (names, bank names) is written as text, never a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Реестр платежей"
    text_write(ws, 1, 1, f"Реестр платежей: {municipality.name}")
    ws["A1"].font = BOLD
    text_write(ws, 2, 1, f"на {timezone.localdate():%d.%m.%Y}")
    header_write(ws, 3, [h for h, _ in _HEADERS], [w for _, w in _HEADERS])
    row = 3
    for row, invoice in enumerate(invoices, start=4):
        provider = invoice.provider
        values: tuple[str | int | datetime.date, ...] = (
            month_name(invoice.closure.month),
            str(invoice.number),
            invoice.issued_on,
            provider.full_name,
            provider.inn,
            provider.settlement_account,
            provider.bank_name,
            provider.bik,
            provider.correspondent_account,
            invoice.certificate_amount,
            invoice.paid_amount,
            invoice.due,
            invoice_purpose(invoice),
        )
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                text_write(ws, row, column, value)
            elif isinstance(value, datetime.date):
                ws.cell(row=row, column=column, value=value).number_format = "DD.MM.YYYY"
            else:
                cell = ws.cell(row=row, column=column, value=rubles(value))
                cell.number_format = MONEY_FORMAT
    total_row = row + 1
    text_write(ws, total_row, 1, "Итого к оплате").font = BOLD
    total = ws.cell(row=total_row, column=12, value=rubles(sum(i.due for i in invoices)))
    total.number_format = MONEY_FORMAT
    total.font = BOLD
    return workbook_bytes(wb)


_PAYER_FIELDS = (
    ("payer_name", "наименование плательщика"),
    ("payer_inn", "ИНН"),
    ("payer_account", "казначейский (расчётный) счёт"),
    ("payer_bank_name", "банк"),
    ("payer_bik", "БИК"),
    ("payer_correspondent_account", "корреспондентский счёт"),
)
_PAYEE_FIELDS = (
    ("settlement_account", "расчётный счёт"),
    ("bank_name", "банк"),
    ("bik", "БИК"),
    ("correspondent_account", "корреспондентский счёт"),
)


def _payer(municipality: Municipality) -> BankDetails:
    missing = [what for name, what in _PAYER_FIELDS if not getattr(municipality, name)]
    if missing:
        raise RegistryExportError(
            f"У муниципалитета «{municipality.name}» не заполнены реквизиты плательщика: "
            f"{', '.join(missing)}. Их вносит администратор портала в карточке "
            "муниципалитета; после этого выгрузите реестр снова."
        )
    return BankDetails(
        name=municipality.payer_name,
        inn=municipality.payer_inn,
        kpp=municipality.payer_kpp,
        account=municipality.payer_account,
        bank_name=municipality.payer_bank_name,
        bik=municipality.payer_bik,
        correspondent_account=municipality.payer_correspondent_account,
    )


def _payee(provider: Provider, what: str) -> BankDetails:
    missing = [name for field, name in _PAYEE_FIELDS if not getattr(provider, field)]
    if missing:
        raise RegistryExportError(
            f"У поставщика «{provider.short_name}» ({what}) не заполнены "
            f"банковские реквизиты: {', '.join(missing)}. Попросите организацию внести их "
            "в профиль в кабинете поставщика; после этого выгрузите реестр снова."
        )
    return BankDetails(
        name=provider.full_name,
        inn=provider.inn,
        kpp=provider.kpp,  # empty for an entrepreneur
        account=provider.settlement_account,
        bank_name=provider.bank_name,
        bik=provider.bik,
        correspondent_account=provider.correspondent_account,
    )


def advance_purpose(advance: Advance) -> str:
    """«Аванс за ноябрь 2026 (ПФДО), 50 % ожидаемых списаний по сертификатам. Без НДС»."""
    return (
        f"Аванс за {month_name(advance.month)} (ПФДО), {advance.percent} % ожидаемых "
        "списаний по сертификатам. Без НДС"
    )


def registry_orders(
    *,
    municipality: Municipality,
    invoices: Sequence[Invoice],
    on: datetime.date,
    advances: Sequence[Advance] = (),
) -> list[PaymentOrder]:
    """A payment order per advance (its recorded number and date) and per invoice still due,
    the invoices' numbered 1, 2, … in the registry's order, skipping the advances' numbers of
    the same day, and dated `on`; RegistryExportError names the details that are missing."""
    if not invoices and not advances:
        raise RegistryExportError("В реестре нет счетов и авансов к оплате: выгружать нечего.")
    payer = _payer(municipality)
    orders = [
        PaymentOrder(
            number=advance.order_number,
            date=advance.order_date,
            amount_kopecks=advance.amount,
            payer=payer,
            payee=_payee(advance.provider, f"аванс за {month_name(advance.month)}"),
            purpose=advance_purpose(advance),
        )
        for advance in advances
    ]
    taken = {int(a.order_number) for a in advances if a.order_date == on}
    numbers = (n for n in itertools.count(1) if n not in taken)
    orders += [
        PaymentOrder(
            number=str(next(numbers)),
            date=on,
            amount_kopecks=invoice.due,
            payer=payer,
            payee=_payee(invoice.provider, f"счёт № {invoice.number}"),
            purpose=invoice_purpose(invoice),
        )
        for invoice in invoices
    ]
    return orders


def registry_bank_exchange(
    *,
    municipality: Municipality,
    invoices: Sequence[Invoice],
    now: datetime.datetime,
    advances: Sequence[Advance] = (),
) -> bytes:
    """The registry as 1CClientBankExchange 1.03 (CP1251, CRLF), one «Платежное поручение»
    per advance of the day and per invoice. RegistryExportError, in Russian, for missing or
    malformed details."""
    today = timezone.localtime(now).date()
    orders = registry_orders(
        municipality=municipality, invoices=invoices, on=today, advances=advances
    )
    start = min([today, *(a.order_date for a in advances)])
    try:
        return payment_orders_export(
            orders=orders, sender=SENDER, created_at=now, period_start=start, period_end=today
        )
    except ValueError as refusal:
        raise RegistryExportError(str(refusal)) from refusal
