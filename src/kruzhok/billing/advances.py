"""Advances (аванс): early in a month the operator may pay each provider up to a share of the
month's expected certificate charges, where the financing program enables it
(`FinancingProgram.advance_percent`); the month's invoice nets the advance off, and what the
month's charges do not cover stays the provider's debt, netted off the next invoices.

The money moves through the ledger: an advance from the provider's advance account (below
zero while the work is not done) to paid; a netting from payable back to the advance account.
So whatever happens, payable + paid − advances outstanding is what the provider earned.

The expected charges of a month, the base of the share: for each contract paid by the
municipality's certificates and in force in the month, the value of its group's planned
lessons (cancelled ones excluded) within the days the contract covers, at the contract's
hourly price, of which the certificate's share (`certificates.services.certificate_share`).
Attendance is unknown early in the month, so the share assumes every lesson attended; the
percent is the municipality's margin for absences.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.models import (
    Advance,
    AdvanceNetting,
    Invoice,
    InvoiceStatus,
    MonthClosure,
)
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates import financing_reads
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.errors import LedgerError
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks
from kruzhok.common.months import month_name
from kruzhok.common.services import audit_record
from kruzhok.enrollment.charges import month_end
from kruzhok.enrollment.models import Contract
from kruzhok.providers.models import Provider

ORDER_NUMBER_DIGITS = 6


class AdvanceError(Exception):
    """A refused advance; `str(error)` says in Russian why."""


def advance_percent(*, municipality: Municipality | int, month: datetime.date) -> int:
    """The share of a month's expected charges that may be advanced (0: advances are off), as
    the financing program in force on the month's first day says."""
    program = financing_reads.financing_programs_in_force(
        municipality=municipality, day=month.replace(day=1)
    ).first()
    return program.advance_percent if program is not None else 0


def month_expected_charges(
    *, municipality: Municipality | int, month: datetime.date
) -> dict[int, int]:
    """Each provider's expected certificate charges of the month (kopecks), by provider id:
    two queries, the contracts in force and their groups' lessons of the month."""
    first = month.replace(day=1)
    last = month_end(first)
    contracts = list(
        Contract.objects.filter(
            certificate__municipality=municipality,
            certificate_part__gt=0,
            start_date__lte=last,
            end_date__gte=first,
        )
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=first))
        .values(
            "application__group_id",
            "application__group__program__provider_id",
            "start_date",
            "end_date",
            "terminated_on",
            "price_per_hour",
            "certificate_part",
            "total_cost",
        )
    )
    lessons: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for group_id, day, hours in Lesson.objects.filter(
        group_id__in={c["application__group_id"] for c in contracts},
        date__gte=first,
        date__lte=last,
        status=LessonStatus.PLANNED,
    ).values_list("group_id", "date", "hours"):
        lessons[group_id].append((day, hours))
    expected: dict[int, int] = defaultdict(int)
    for contract in contracts:
        starts = max(first, contract["start_date"])
        ends = min(last, contract["end_date"])
        if contract["terminated_on"] is not None:
            ends = min(ends, contract["terminated_on"] - datetime.timedelta(days=1))
        hours = sum(
            h for day, h in lessons[contract["application__group_id"]] if starts <= day <= ends
        )
        expected[contract["application__group__program__provider_id"]] += (
            certificate_services.certificate_share(
                value=hours * contract["price_per_hour"],
                certificate_part=contract["certificate_part"],
                total_cost=contract["total_cost"],
            )
        )
    return dict(expected)


@dataclass(frozen=True)
class AdvanceRow:
    """A provider on the advances page: what it is expected to earn in the month, the most it
    may be advanced, the advance paid (if any) and its debt of earlier advances."""

    provider: Provider
    expected: int
    limit: int
    advance: Advance | None
    debt: int


def month_advances(*, municipality: Municipality, month: datetime.date) -> list[AdvanceRow]:
    """The providers a month's advances may go to (those with expected charges, or an advance
    already paid), by name."""
    first = month.replace(day=1)
    percent = advance_percent(municipality=municipality, month=first)
    expected = month_expected_charges(municipality=municipality, month=first)
    paid = {
        a.provider_id: a for a in Advance.objects.filter(municipality=municipality, month=first)
    }
    debts: dict[int, int] = defaultdict(int)
    for provider_id, amount, netted in Advance.objects.filter(
        municipality=municipality, month__lt=first, netted__lt=F("amount")
    ).values_list("provider_id", "amount", "netted"):
        debts[provider_id] += amount - netted
    providers = Provider.objects.filter(pk__in=set(expected) | set(paid)).order_by("short_name")
    return [
        AdvanceRow(
            provider=provider,
            expected=expected.get(provider.pk, 0),
            limit=expected.get(provider.pk, 0) * percent // 100,
            advance=paid.get(provider.pk),
            debt=debts.get(provider.pk, 0),
        )
        for provider in providers
    ]


def _check_operator(actor: User, municipality: Municipality) -> None:
    if actor.role == Role.REGIONAL_ADMIN:
        return
    if actor.role != Role.OPERATOR:
        raise AdvanceError("Авансы выплачивает муниципальный оператор.")
    if actor.municipality_id != municipality.pk:
        raise AdvanceError("Авансы поставщикам выплачивает оператор своего муниципалитета.")


def advance_pay(
    *,
    actor: User,
    municipality: Municipality,
    provider: Provider,
    month: datetime.date,
    amount: int,
    order_number: str,
    order_date: datetime.date,
    today: datetime.date | None = None,
) -> Advance:
    """Record the payment order that paid a provider an advance on a month, and move the money
    through the ledger, in one durable transaction under the provider's lock (the lock a month
    close takes for the provider's invoice).

    Refused where the financing program has no advances, for a month that is neither this
    one nor the next, for a month already closed (or closing), above the share of the
    month's expected charges, for a second advance of the month, for a payment order number
    that is not 1–6 digits or dated in the future, and for a person who is not an operator
    of the municipality (or a regional administrator).
    """
    today = today or timezone.localdate()
    first = month.replace(day=1)
    this_month = today.replace(day=1)
    _check_operator(actor, municipality)
    order_number = order_number.strip()
    if not (order_number.isdigit() and 1 <= len(order_number) <= ORDER_NUMBER_DIGITS):
        raise AdvanceError("Номер платёжного поручения — от одной до шести цифр.")
    if order_date > today:
        raise AdvanceError(
            f"Дата платёжного поручения {order_date:%d.%m.%Y} ещё не наступила: укажите дату, "
            "когда поручение отправлено в банк."
        )
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise AdvanceError("Сумма аванса должна быть больше нуля.")
    if first not in (this_month, month_end(this_month) + datetime.timedelta(days=1)):
        raise AdvanceError(
            f"Аванс выплачивается в начале месяца за текущий или следующий месяц, "
            f"а не за {month_name(first)}."
        )
    percent = advance_percent(municipality=municipality, month=first)
    if percent <= 0:
        raise AdvanceError(
            f"Программа персонифицированного финансирования на {month_name(first)} "
            "не предусматривает авансов."
        )
    with transaction.atomic(durable=True):
        provider = Provider.objects.select_for_update(of=("self",)).get(pk=provider.pk)
        if MonthClosure.objects.filter(municipality=municipality, month=first).exists():
            raise AdvanceError(
                f"Месяц {month_name(first)} уже закрыт: аванс за него не выплачивается."
            )
        expected = month_expected_charges(municipality=municipality, month=first).get(
            provider.pk, 0
        )
        limit = expected * percent // 100
        if amount > limit:
            raise AdvanceError(
                f"Аванс «{provider.short_name}» за {month_name(first)} — не больше {percent} % "
                f"ожидаемых списаний месяца ({format_kopecks(expected)}), то есть не больше "
                f"{format_kopecks(limit)}."
            )
        try:
            with transaction.atomic():
                advance = Advance.objects.create(
                    municipality=municipality,
                    provider=provider,
                    month=first,
                    expected_amount=expected,
                    percent=percent,
                    amount=amount,
                    order_number=order_number,
                    order_date=order_date,
                    paid_by=actor,
                )
        except IntegrityError:
            raise AdvanceError(
                f"Аванс «{provider.short_name}» за {month_name(first)} уже выплачен."
            ) from None
        try:
            certificate_services.provider_advance_pay(
                provider=provider,
                amount=amount,
                cause=str(advance.pk),
                description=f"Аванс за {month_name(first)}, п/п № {order_number} "
                f"от {order_date:%d.%m.%Y}",
            )
        except LedgerError as refusal:
            raise AdvanceError(str(refusal)) from refusal
        audit_record(
            actor=actor,
            action="advance_pay",
            obj=advance,
            provider=provider.pk,
            month=first,
            amount=amount,
            expected=expected,
            percent=percent,
            order_number=order_number,
            order_date=order_date.isoformat(),
        )
    return advance


def invoice_advances_net(*, invoice: Invoice) -> int:
    """Net the provider's advances from the invoice's payer off the invoice, oldest first, up
    to the invoice's amount; what is netted, in kopecks. Call it in the transaction that
    issues the invoice, under the provider's lock (the month close's provider step).

    An invoice netted off in full needs no payment and is marked paid.
    """
    if invoice.certificate_amount <= 0:
        return 0
    advances = Advance.objects.filter(
        municipality_id=invoice.closure.municipality_id,
        provider_id=invoice.provider_id,
        month__lte=invoice.closure.month,
        netted__lt=F("amount"),
    ).order_by("month", "pk")
    left = invoice.certificate_amount
    for advance in advances:
        take = min(advance.outstanding, left)
        if take <= 0:
            break
        AdvanceNetting.objects.create(invoice=invoice, advance=advance, amount=take)
        Advance.objects.filter(pk=advance.pk).update(netted=F("netted") + take)
        certificate_services.provider_advance_net(
            provider=invoice.provider,
            amount=take,
            cause=f"invoice:{invoice.pk}:advance:{advance.pk}",
            description=f"Зачёт аванса за {month_name(advance.month)} по счёту № {invoice.number}",
        )
        left -= take
    netted = invoice.certificate_amount - left
    if netted:
        invoice.advance_netted = netted
        fields = ["advance_netted"]
        if invoice.due == 0:
            invoice.status = InvoiceStatus.PAID
            fields.append("status")
        invoice.save(update_fields=fields)
    return netted
