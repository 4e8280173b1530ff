"""Paying invoices: the operator approves an issued invoice, and records what the payment
orders paid — by hand, or from the bank's statement — which moves the money from the
provider's payable account to paid through the ledger.

An invoice goes issued → approved → partly paid → paid, one function per step (and back from
paid or partly paid when a wrong payment is reversed, `invoice_payment_reverse`), each under a
lock of the invoice's row in a durable transaction with its audit row (who, from, to). A
payment is keyed by the invoice and its payment order's number and date twice over: the
`InvoicePayment` row is unique on them, and the ledger's idempotency key is derived from
them, so the same order entered again, or a statement loaded again, pays once.
"""

import datetime
import re
from dataclasses import dataclass, field
from time import monotonic

from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.models import (
    Advance,
    Invoice,
    InvoicePayment,
    InvoicePaymentReversal,
    InvoiceStatus,
)
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.errors import LedgerError
from kruzhok.common.bank_exchange import StatementEntry, statement_parse
from kruzhok.common.money import format_kopecks
from kruzhok.common.services import audit_record

ORDER_NUMBER = re.compile(r"[0-9]{1,6}")  # field 3 of the payment order form
# How long a statement's upload may take to record: a request is no batch job, and the file's
# caps (size, documents) bound the parsing, not the matching and recording, entry by entry.
STATEMENT_SECONDS = 20
PAYABLE = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID)


class PaymentError(Exception):
    """A refused approval or payment; `str(error)` says in Russian why."""


def _check_operator(actor: User, invoice: Invoice) -> None:
    if actor.role == Role.REGIONAL_ADMIN:
        return
    if actor.role != Role.OPERATOR:
        raise PaymentError("Счета утверждает и отмечает оплаченными муниципальный оператор.")
    if actor.municipality_id != invoice.closure.municipality_id:
        raise PaymentError("Этот счёт выставлен другому муниципалитету.")


def _locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(no_key=True, of=("self",))
        .select_related("closure", "provider")
        .get(pk=invoice.pk)
    )


def invoice_approve(*, actor: User, invoice: Invoice) -> Invoice:
    """Approve an issued invoice for payment: it enters the payment registry.

    Only the operator of the invoice's municipality or a regional administrator; only an
    issued invoice with a positive amount (a month of corrections that came out at zero or
    below has nothing to pay). Approving an approved invoice again is refused, so a double
    click writes one audit row.
    """
    with transaction.atomic(durable=True):
        invoice = _locked(invoice)
        _check_operator(actor, invoice)
        if invoice.status != InvoiceStatus.ISSUED:
            raise PaymentError(
                f"{invoice} уже {invoice.get_status_display().lower()}: утвердить можно "
                "только выставленный счёт."
            )
        if invoice.due <= 0:
            raise PaymentError(
                f"{invoice}: к оплате ничего не причитается (сумма не больше нуля "
                "или покрыта зачтённым авансом)."
            )
        invoice.status = InvoiceStatus.APPROVED
        invoice.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="invoice_status",
            obj=invoice,
            status_from=InvoiceStatus.ISSUED,
            status_to=InvoiceStatus.APPROVED,
        )
    return invoice


@dataclass(frozen=True)
class PaymentRecorded:
    payment: InvoicePayment
    created: bool  # False: this payment order was recorded before, nothing moved now


def invoice_payment_record(
    *,
    actor: User,
    invoice: Invoice,
    amount: int,
    order_number: str,
    order_date: datetime.date,
    today: datetime.date | None = None,
) -> PaymentRecorded:
    """Record that a payment order paid `amount` kopecks of an approved invoice, and move the
    money from the provider's payable account to paid, in one durable transaction under a
    lock of the invoice's row.

    Partial or full: the invoice becomes partly paid or paid. Refused above what is still
    due, for an invoice not approved, a number that is not 1–6 digits, a date before the
    invoice or in the future, and for a person who is not an operator of the invoice's
    municipality (or a regional administrator). The same payment order (number and date)
    recorded again for the invoice returns the first record and moves nothing; with another
    amount it is refused.
    """
    today = today or timezone.localdate()
    order_number = order_number.strip()
    if not ORDER_NUMBER.fullmatch(order_number):
        raise PaymentError("Номер платёжного поручения — от одной до шести цифр.")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PaymentError("Сумма оплаты должна быть больше нуля.")
    with transaction.atomic(durable=True):
        invoice = _locked(invoice)
        _check_operator(actor, invoice)
        earlier = InvoicePayment.objects.filter(
            invoice=invoice, order_number=order_number, order_date=order_date
        ).first()
        if earlier is not None:
            if InvoicePaymentReversal.objects.filter(payment=earlier).exists():
                raise PaymentError(
                    f"{earlier} по этому счёту было отмечено и сторнировано: отметьте оплату "
                    "верным платёжным поручением."
                )
            if earlier.amount != amount:
                raise PaymentError(
                    f"{earlier} уже отмечено по этому счёту на {format_kopecks(earlier.amount)}, "
                    f"а не на {format_kopecks(amount)}. Проверьте номер и дату поручения."
                )
            return PaymentRecorded(earlier, created=False)
        if invoice.status not in PAYABLE:
            raise PaymentError(
                f"{invoice} {invoice.get_status_display().lower()}: оплату можно отметить "
                "только по утверждённому и ещё не оплаченному счёту."
            )
        if order_date < invoice.issued_on or order_date > today:
            raise PaymentError(
                f"Дата платёжного поручения {order_date:%d.%m.%Y} должна быть не раньше даты "
                f"счёта ({invoice.issued_on:%d.%m.%Y}) и не позже сегодняшнего дня."
            )
        if amount > invoice.due:
            raise PaymentError(
                f"По {_genitive(invoice)} осталось оплатить {format_kopecks(invoice.due)}, "
                f"а в поручении {format_kopecks(amount)}: больше, чем причитается, не платится."
            )
        try:
            certificate_services.provider_pay(
                provider=invoice.provider,
                amount=amount,
                cause=f"invoice:{invoice.pk}:order:{order_number}:{order_date:%Y%m%d}",
                description=f"Оплата по {_genitive(invoice)}, п/п № {order_number} "
                f"от {order_date:%d.%m.%Y}",
            )
        except LedgerError as refusal:
            raise PaymentError(str(refusal)) from refusal
        payment = InvoicePayment.objects.create(
            invoice=invoice,
            amount=amount,
            order_number=order_number,
            order_date=order_date,
            recorded_by=actor,
        )
        status_from = invoice.status
        invoice.paid_amount += amount
        invoice.status = InvoiceStatus.PAID if invoice.due == 0 else InvoiceStatus.PARTLY_PAID
        invoice.save(update_fields=["paid_amount", "status"])
        audit_record(
            actor=actor,
            action="invoice_status",
            obj=invoice,
            status_from=status_from,
            status_to=invoice.status,
            amount=amount,
            order_number=order_number,
            order_date=order_date.isoformat(),
        )
    return PaymentRecorded(payment, created=True)


REASON_MIN_CHARS = 10
REASON_MAX_CHARS = 500


def invoice_payment_reverse(*, actor: User, payment: InvoicePayment, reason: str) -> Invoice:
    """Take back a payment recorded by mistake (a wrong invoice, amount or payment order), in
    one durable transaction under a lock of the invoice's row: the ledger's payment is
    reversed (paid back to payable, `certificates.services.provider_pay_reverse`), the
    reversal is recorded with its reason and who made it, and the invoice owes the amount
    again — approved (nothing paid left) or partly paid — with its audit row.

    Refused without a reason of 10–500 characters, for a payment reversed already, and for a
    person who is not an operator of the invoice's municipality (or a regional
    administrator). The payment row stays as it was: the history shows both.
    """
    reason = " ".join(reason.split())
    if not REASON_MIN_CHARS <= len(reason) <= REASON_MAX_CHARS:
        raise PaymentError(
            f"Укажите причину сторнирования: от {REASON_MIN_CHARS} до {REASON_MAX_CHARS} знаков."
        )
    with transaction.atomic(durable=True):
        invoice = _locked(payment.invoice)
        _check_operator(actor, invoice)
        payment = InvoicePayment.objects.get(pk=payment.pk)
        if InvoicePaymentReversal.objects.filter(payment=payment).exists():
            raise PaymentError(f"{payment} по {_genitive(invoice)} уже сторнировано.")
        cause = f"invoice:{invoice.pk}:order:{payment.order_number}:{payment.order_date:%Y%m%d}"
        try:
            certificate_services.provider_pay_reverse(
                cause=cause,
                description=f"Сторно оплаты по {_genitive(invoice)}, п/п № "
                f"{payment.order_number} от {payment.order_date:%d.%m.%Y}",
            )
        except LedgerError as refusal:
            raise PaymentError(str(refusal)) from refusal
        InvoicePaymentReversal.objects.create(payment=payment, reason=reason, reversed_by=actor)
        status_from = invoice.status
        invoice.paid_amount -= payment.amount
        invoice.status = (
            InvoiceStatus.PARTLY_PAID if invoice.paid_amount > 0 else InvoiceStatus.APPROVED
        )
        invoice.save(update_fields=["paid_amount", "status"])
        audit_record(
            actor=actor,
            action="invoice_payment_reverse",
            obj=invoice,
            status_from=status_from,
            status_to=invoice.status,
            amount=payment.amount,
            order_number=payment.order_number,
            order_date=payment.order_date.isoformat(),
            reason=reason,
        )
    return invoice


def _genitive(invoice: Invoice) -> str:
    return f"счёту № {invoice.number} от {invoice.issued_on:%d.%m.%Y}"


# The statement -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    entry: StatementEntry
    invoice: Invoice | None
    outcome: str  # what happened, in Russian


@dataclass
class StatementResult:
    recorded: list[StatementLine] = field(default_factory=list)
    repeated: list[StatementLine] = field(default_factory=list)
    unmatched: list[StatementLine] = field(default_factory=list)
    # Entries left when the time ran out: the same file loaded again goes on with them (what
    # was recorded is listed as repeated, never paid twice).
    unprocessed: list[StatementEntry] = field(default_factory=list)
    seconds: int = STATEMENT_SECONDS

    @property
    def recorded_amount(self) -> int:
        return sum(line.entry.amount_kopecks for line in self.recorded)


def statement_payments_record(
    *,
    actor: User,
    municipality_id: int,
    data: bytes,
    today: datetime.date | None = None,
    seconds: int = STATEMENT_SECONDS,
) -> StatementResult:
    """Record the payments of a bank statement (1CClientBankExchange) against the
    municipality's approved invoices.

    An entry pays an invoice when its payee's ИНН and account are the invoice's provider's
    and its purpose names the invoice's number («№ 12»), and exactly one approved, not fully
    paid invoice fits. Each is recorded by `invoice_payment_record` (its own transaction, the
    same idempotency): an entry loaded before, or an advance's payment order (recorded when
    the advance was paid), is listed as repeated, one that fits no invoice
    or is refused is listed as unmatched with the reason. Raises ValueError (Russian) when
    the file cannot be read.

    Stops after `seconds` (parsing included): the entries not reached are returned as
    unprocessed, each one recorded so far stays recorded, and loading the file again goes on.
    """
    deadline = monotonic() + seconds
    entries = statement_parse(data)
    candidates = list(
        Invoice.objects.filter(closure__municipality_id=municipality_id)
        .select_related("closure", "provider")
        .order_by("pk")
    )
    # The advances' orders (the bank file carries them beside the invoices'): recorded when
    # they were paid, a statement only confirms them.
    advances = {
        (advance.order_number, advance.order_date, advance.provider.inn, advance.amount)
        for advance in Advance.objects.filter(municipality_id=municipality_id).select_related(
            "provider"
        )
    }
    result = StatementResult(seconds=seconds)
    for position, entry in enumerate(entries):
        if monotonic() > deadline:
            result.unprocessed = entries[position:]
            break
        key = (entry.number.strip(), entry.date, entry.payee.inn, entry.amount_kopecks)
        if key in advances:
            result.repeated.append(
                StatementLine(entry, None, "аванс: отмечен при выплате, повторно не оплачен")
            )
            continue
        invoice, why = _match(entry, candidates)
        if invoice is None:
            result.unmatched.append(StatementLine(entry, None, why))
            continue
        try:
            recorded = invoice_payment_record(
                actor=actor,
                invoice=invoice,
                amount=entry.amount_kopecks,
                order_number=entry.number,
                order_date=entry.date,
                today=today,
            )
        except PaymentError as refusal:
            result.unmatched.append(StatementLine(entry, invoice, str(refusal)))
            continue
        if recorded.created:
            result.recorded.append(StatementLine(entry, invoice, "оплата отмечена"))
        else:
            result.repeated.append(StatementLine(entry, invoice, "уже была отмечена раньше"))
    return result


def _match(entry: StatementEntry, invoices: list[Invoice]) -> tuple[Invoice | None, str]:
    by_payee = [
        invoice
        for invoice in invoices
        if invoice.provider.inn == entry.payee.inn
        and invoice.provider.settlement_account == entry.payee.account
    ]
    if not by_payee:
        return None, "получатель (ИНН и счёт) — не поставщик с выставленным счётом"
    named = [
        invoice
        for invoice in by_payee
        if re.search(rf"№\s*{invoice.number}(?![0-9])", entry.purpose)
    ]
    if not named:
        return None, "в назначении платежа нет номера счёта этого поставщика («№ …»)"
    # A payment order seen before matches its invoice whatever its status now.
    for invoice in named:
        if InvoicePayment.objects.filter(
            invoice=invoice, order_number=entry.number.strip(), order_date=entry.date
        ).exists():
            return invoice, ""
    payable = [invoice for invoice in named if invoice.status in PAYABLE]
    if not payable:
        return None, "счёт с этим номером не утверждён к оплате или уже оплачен"
    if len(payable) > 1:
        return None, "этот номер у нескольких неоплаченных счетов поставщика — отметьте вручную"
    return payable[0], ""
