"""Billing reads: closed months, charge totals, the contracts a provider sees, the months and
invoices of the operator's page, and the payment registry. The financing periods' page reads
through `billing.period_reads`."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.invoice_read import invoice_documents_prefetch
from kruzhok.billing.models import (
    Advance,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    MonthClosure,
    MonthClosureStatus,
)
from kruzhok.catalog.group_access import group_staff_scope
from kruzhok.certificates.models import Certificate, FinancingProgram
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.enrollment.models import Charge, Contract


def month_closure_get(*, municipality_id: int, day: datetime.date) -> MonthClosure | None:
    """The closure of the month that `day` belongs to in the municipality, if it is closed."""
    return (
        MonthClosure.objects.filter(municipality_id=municipality_id, month=day.replace(day=1))
        .select_related("closed_by")
        .first()
    )


def month_closed_message(closure: MonthClosure) -> str:
    """Why a closed (or closing) month refuses a change, and what happens instead."""
    if closure.status == MonthClosureStatus.RUNNING:
        return (
            f"Идёт закрытие месяца {month_name(closure.month)}: поставщикам выставляются счета, "
            "и отметки за этот месяц пока нельзя менять. Попробуйте через несколько минут."
        )
    return (
        f"Месяц {month_name(closure.month)} закрыт оператором "
        f"{timezone.localtime(closure.closed_at):%d.%m.%Y}: счета за него выставлены и не "
        "меняются. Исправленная отметка войдёт корректировкой в счёт за следующий открытый месяц."
    )


def first_open_month(*, municipality_id: int, day: datetime.date) -> datetime.date:
    """The first month, from `day`'s on, that the municipality has not closed (or begun to)."""
    month = day.replace(day=1)
    closed = set(
        MonthClosure.objects.filter(municipality_id=municipality_id, month__gte=month).values_list(
            "month", flat=True
        )
    )
    while month in closed:
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return month


def contract_payer_municipality_id(contract: Contract) -> int:
    """Whose months a contract's lessons are billed in: the certificate's municipality (the
    child's home), or the provider's for a contract without a certificate."""
    if contract.certificate_id is not None:
        return Certificate.objects.values_list("municipality_id", flat=True).get(
            pk=contract.certificate_id
        )
    return Contract.objects.values_list(
        "application__group__program__provider__municipality_id", flat=True
    ).get(pk=contract.pk)


def withdrawal_closed_month_message(contract: Contract, on: datetime.date) -> str:
    """Why a withdrawal from `on` is refused because that month, or a later one, is already
    closed (or closing) for the payer: its invoices are final. '' when it is not."""
    municipality_id = contract_payer_municipality_id(contract)
    month = on.replace(day=1)
    last_closed = (
        MonthClosure.objects.filter(municipality_id=municipality_id, month__gte=month)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if last_closed is None:
        return ""
    first_open = first_open_month(municipality_id=municipality_id, day=last_closed)
    return (
        f"Месяц {month_name(last_closed)} уже закрыт: счета за него выставлены. "
        f"Отчислить можно с {first_open:%d.%m.%Y} или позже."
    )


def line_charges(*, line: InvoiceLine) -> QuerySet[Charge]:
    """The charges an invoice line bills, by the rule of `InvoiceLine`: its contract's charges
    billed in its close's month for the month it names, that were not taken back before the
    close (one taken back after it is billed here and billed back on a later correction
    line, `line_reversals`)."""
    month = line.invoice.closure.month
    return Charge.objects.filter(
        Q(reversed_at=None) | Q(reversal_billed_month__isnull=False),
        contract_id=line.contract_id,
        billed_month=month,
        for_month=line.corrects_month or month,
    )


def line_reversals(*, line: InvoiceLine) -> QuerySet[Charge]:
    """The billed charges a correction line bills back: its contract's charges billed in the
    month it corrects and taken back since, their reversal billed in its close's month."""
    if line.corrects_month is None:
        return Charge.objects.none()
    return Charge.objects.filter(
        contract_id=line.contract_id,
        billed_month=line.corrects_month,
        reversal_billed_month=line.invoice.closure.month,
    )


@dataclass(frozen=True)
class ChargeTotals:
    lessons: int
    certificate: int  # kopecks
    parent: int  # kopecks


def charge_totals_by_contract(
    *, contract_ids: Iterable[int], lesson_ids: Iterable[int] | None = None
) -> dict[int, ChargeTotals]:
    """Active (not reversed) charges per contract, optionally only for some lessons."""
    charges = Charge.objects.filter(contract_id__in=list(contract_ids), reversed_at=None)
    if lesson_ids is not None:
        charges = charges.filter(lesson_id__in=list(lesson_ids))
    rows = charges.values("contract_id").annotate(
        lessons=Count("pk"), certificate=Sum("certificate_amount"), parent=Sum("parent_amount")
    )
    return {
        row["contract_id"]: ChargeTotals(row["lessons"], row["certificate"], row["parent"])
        for row in rows
    }


def contract_list_for_staff(*, user: User) -> QuerySet[Contract]:
    """Contracts a provider's staff member may see: all of the provider's for its
    administrators, the teacher's own groups for a teacher."""
    return (
        Contract.objects.filter(group_staff_scope(user=user, path="application__group__"))
        .select_related("application__child", "application__group__program__provider")
        .order_by("application__group__program__title", "application__group__name", "number")
    )


# Month close, as the operator's page shows it -------------------------------------------------

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class MonthRow:
    """One month of a municipality on the operator's page."""

    month: datetime.date
    closure: MonthClosure | None
    can_close: bool  # over, and not closed or closing
    invoices: int
    certificate_amount: int  # kopecks
    parent_amount: int  # kopecks

    @property
    def name(self) -> str:
        return month_name(self.month)


def operator_municipality_ids(*, user: User) -> list[int]:
    """The municipalities whose months the user may close: an operator's own, or every one
    for a regional administrator."""
    if user.role == Role.REGIONAL_ADMIN:
        return list(Municipality.objects.order_by("name").values_list("pk", flat=True))
    if user.role == Role.OPERATOR and user.municipality_id is not None:
        return [user.municipality_id]
    return []


def month_rows(*, municipality_id: int, today: datetime.date) -> list[MonthRow]:
    """The last twelve months up to this one, newest first, with their closes and invoices."""
    this_month = today.replace(day=1)
    months = [this_month]
    while len(months) < MONTHS_SHOWN:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    closures = {
        c.month: c
        for c in MonthClosure.objects.filter(
            municipality_id=municipality_id, month__in=months
        ).select_related("closed_by")
    }
    totals: dict[int, dict[str, int]] = {
        row["closure_id"]: {
            "n": row["n"],
            "certificate": row["certificate"],
            "parent": row["parent"],
        }
        for row in Invoice.objects.filter(closure__in=closures.values())
        .values("closure_id")
        .annotate(n=Count("pk"), certificate=Sum("certificate_amount"), parent=Sum("parent_amount"))
        .order_by()
    }
    rows = []
    for month in months:
        closure = closures.get(month)
        figures: dict[str, int] = totals.get(closure.pk, {}) if closure else {}
        rows.append(
            MonthRow(
                month=month,
                closure=closure,
                can_close=closure is None and month < this_month,
                invoices=figures.get("n", 0),
                certificate_amount=figures.get("certificate") or 0,
                parent_amount=figures.get("parent") or 0,
            )
        )
    return rows


def month_closure_for_operator(*, user: User, pk: int) -> MonthClosure:
    """A close the user may see, or Http404 (another municipality's does not exist for them)."""
    return get_object_or_404(
        MonthClosure.objects.select_related("municipality", "closed_by"),
        pk=pk,
        municipality_id__in=operator_municipality_ids(user=user),
    )


def invoice_list_for_closure(*, closure: MonthClosure) -> QuerySet[Invoice]:
    """The close's invoices with their documents (not their bytes), by number."""
    return (
        Invoice.objects.filter(closure=closure)
        .select_related("provider", "closure")
        .prefetch_related(invoice_documents_prefetch())
        .order_by("number")
    )


# The payment registry, as the operator's page shows it ----------------------------------------

REGISTRY_STATUSES = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
DUE_STATUSES = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID)


def payment_registry(
    *, municipality_id: int, month: datetime.date | None = None, due_only: bool = False
) -> QuerySet[Invoice]:
    """The municipality's approved invoices (and those paid since), newest month first, with
    their providers and payments (each with its reversal, if taken back); `due_only` keeps
    those still to pay, as the exports do."""
    invoices = Invoice.objects.filter(
        closure__municipality_id=municipality_id,
        status__in=DUE_STATUSES if due_only else REGISTRY_STATUSES,
    )
    if month is not None:
        invoices = invoices.filter(closure__month=month)
    return (
        invoices.select_related("closure__municipality", "provider")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=InvoicePayment.objects.select_related("reversal__reversed_by"),
            )
        )
        .order_by("-closure__month", "provider__short_name", "number", "pk")
    )


def advances_of_the_day(*, municipality_id: int, day: datetime.date) -> QuerySet[Advance]:
    """The municipality's advances whose payment orders are dated `day`, with their providers:
    what the day's bank file carries beside the invoices."""
    return (
        Advance.objects.filter(municipality_id=municipality_id, order_date=day)
        .select_related("provider")
        .order_by("provider__short_name", "pk")
    )


def payment_registry_months(*, municipality_id: int) -> list[datetime.date]:
    """The months the registry has invoices for, newest first: the month filter's choices."""
    return list(
        MonthClosure.objects.filter(
            municipality_id=municipality_id, invoices__status__in=REGISTRY_STATUSES
        )
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


# The operator's home ---------------------------------------------------------------------------


def months_to_close(*, municipality_id: int, today: datetime.date) -> list[datetime.date]:
    """Past months of the last twelve that are not closed (nor closing), oldest first, from
    the month the municipality's first financing period began: before it nothing was billed."""
    first_start = (
        FinancingProgram.objects.filter(municipality_id=municipality_id)
        .order_by("period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    if first_start is None:
        return []
    first_month = first_start.replace(day=1)
    rows = month_rows(municipality_id=municipality_id, today=today)
    return sorted(row.month for row in rows if row.can_close and row.month >= first_month)


@dataclass(frozen=True)
class ClosureToApprove:
    closure: MonthClosure
    invoices: int


def closures_to_approve(*, municipality_ids: Iterable[int]) -> list[ClosureToApprove]:
    """The closed months of the municipalities with issued invoices waiting for the operator's
    approval to pay (approved on the month's page), oldest first, with how many."""
    counts = dict(
        Invoice.objects.filter(
            closure__municipality_id__in=list(municipality_ids), status=InvoiceStatus.ISSUED
        )
        .values("closure_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("closure_id", "n")
    )
    closures = MonthClosure.objects.filter(pk__in=counts).select_related("municipality")
    return [
        ClosureToApprove(closure=closure, invoices=counts[closure.pk])
        for closure in closures.order_by("month", "municipality__name")
    ]
