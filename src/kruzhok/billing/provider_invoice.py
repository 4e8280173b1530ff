"""One provider's invoice of a month close: the step the close repeats provider by provider
(see `billing.month_close`), and what it reads — the month's unbilled charges, the reversals to
bill back, the contracts paid monthly, and the lines they sum up to.

The step runs in one durable transaction under the provider's lock: the monthly contracts are
charged, the invoice and its lines are created with gap-free numbers, the charges are linked
set-based (`billing.close_sql`), every line is checked against what was linked, and the
provider's advances are netted off.
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from kruzhok.billing import close_sql
from kruzhok.billing.advances import invoice_advances_net
from kruzhok.billing.models import (
    Invoice,
    InvoicedCharge,
    InvoicedReversal,
    InvoiceLine,
    MonthClosure,
)
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates.models import BillingRegime
from kruzhok.common.services import audit_record, sequence_next
from kruzhok.enrollment import charges as charges_service
from kruzhok.enrollment.models import Charge, Contract
from kruzhok.providers.models import Provider


class MonthCloseError(Exception):
    """A refused month close; `str(error)` says in Russian why."""


def _month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _unbilled_charges(closure: MonthClosure) -> QuerySet[Charge]:
    """The month's charges not billed yet: lessons of the month, and late marks of closed
    months billed in this one as corrections."""
    # NOT EXISTS, not `invoiced__isnull=True`: PostgreSQL estimated that LEFT JOIN … IS NULL
    # over a month not billed yet at one row and nested its loops over every pair (measured by
    # make bench-billing: 1.4 s instead of 0.1 s for 270,000 charges).
    return Charge.objects.filter(
        ~Exists(InvoicedCharge.objects.filter(charge_id=OuterRef("pk"))),
        contract__certificate__municipality_id=closure.municipality_id,
        billed_month=closure.month,
        reversed_at=None,
    )


def monthly_contracts(closure: MonthClosure) -> QuerySet[Contract]:
    """Contracts paid monthly by the municipality's certificates that were in force in the
    month and are not charged for it yet: the close charges their month first."""
    return (
        Contract.objects.filter(
            certificate__municipality_id=closure.municipality_id,
            billing_regime=BillingRegime.MONTHLY,
            start_date__lte=_month_end(closure.month),
            end_date__gte=closure.month,
        )
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=closure.month))
        .exclude(
            Exists(
                Charge.objects.filter(
                    contract=OuterRef("pk"), month=closure.month, reversed_at__isnull=True
                )
            )
        )
        .order_by("pk")
    )


def _unbilled_reversals(closure: MonthClosure) -> QuerySet[Charge]:
    """Charges billed in a closed month and taken back since, to bill back in this one."""
    return Charge.objects.filter(
        ~Exists(InvoicedReversal.objects.filter(charge_id=OuterRef("pk"))),
        contract__certificate__municipality_id=closure.municipality_id,
        reversal_billed_month=closure.month,
    )


@dataclass
class _LineFigures:
    """A line being built: a contract's charges of the month (or of one corrected month) summed
    in the database, less the billed charges taken back (they count negative)."""

    contract_id: int
    corrects_month: datetime.date | None
    lessons: int = 0
    certificate: int = 0
    parent: int = 0
    charges: int = 0  # how many charges the line bills
    reversals: int = 0  # how many billed charges taken back it bills back


PROVIDER = "contract__application__group__program__provider_id"


def line_figures(
    closure: MonthClosure, provider_id: int | None = None
) -> dict[int, list[_LineFigures]]:
    """The lines of the close's invoices by provider (of one provider's, `provider_id`), each
    in contract order, from two GROUP BYs — the charges, and the reversals of charges billed
    before: a row per line comes back, not per charge."""
    charges, reversals = _unbilled_charges(closure), _unbilled_reversals(closure)
    if provider_id is not None:
        charges = charges.filter(**{PROVIDER: provider_id})
        reversals = reversals.filter(**{PROVIDER: provider_id})
    lines: dict[tuple[int, int, datetime.date | None], _LineFigures] = {}

    def line(provider: int, contract_id: int, corrects: datetime.date | None) -> _LineFigures:
        key = (provider, contract_id, corrects)
        if key not in lines:
            lines[key] = _LineFigures(contract_id=contract_id, corrects_month=corrects)
        return lines[key]

    for provider, contract_id, month, n, lessons, certificate, parent in _summed(
        charges, "for_month"
    ):
        figures = line(provider, contract_id, None if month == closure.month else month)
        figures.charges += n
        figures.lessons += lessons
        figures.certificate += certificate
        figures.parent += parent
    for provider, contract_id, month, n, lessons, certificate, parent in _summed(
        reversals, "billed_month"
    ):
        figures = line(provider, contract_id, month)
        figures.reversals += n
        figures.lessons -= lessons
        figures.certificate -= certificate
        figures.parent -= parent
    by_provider: dict[int, list[_LineFigures]] = defaultdict(list)
    for (provider, _, _), figures in sorted(
        lines.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or datetime.date.min)
    ):
        by_provider[provider].append(figures)
    return dict(by_provider)


def _summed(charges: QuerySet[Charge], month: str) -> QuerySet[Charge, tuple[Any, ...]]:
    """Charges summed by contract and month: (provider id, contract id, month, charges,
    lessons, certificate amount, parent amount) rows."""
    return (
        charges.order_by()
        .values(PROVIDER, "contract_id", month)
        .annotate(
            n=Count("pk"),
            lessons=Count("lesson"),
            certificate=Sum("certificate_amount"),
            parent=Sum("parent_amount"),
        )
        .values_list(PROVIDER, "contract_id", month, "n", "lessons", "certificate", "parent")
    )


def provider_invoice_issue(
    *, closure: MonthClosure, provider_id: int, figures: list[_LineFigures] | None = None
) -> Invoice | None:
    """One provider's step of a close, in one durable transaction under the provider's lock:
    its invoice with a line per contract (and per month a contract's corrections are for), the
    charges linked to their lines, the totals summed again, the provider's advances netted off;
    None when there is nothing (left) to bill.

    `figures`, the provider's lines as the run summed them for every provider in one read
    before the steps, spare each step a read of its own; the step links the charges it finds
    unbilled under the lock and checks every line against them, so figures that no longer
    hold (a close run twice at once) roll the step back, and the run does it again with
    figures read under the lock. A step that charges monthly contracts reads its own.

    The invoice's documents are rendered after the step, outside its lock
    (`invoice_documents_issue`): they are made from the invoice and its lines, which never
    change once the step commits.
    """
    with transaction.atomic(durable=True):
        provider = Provider.objects.select_for_update(of=("self",)).get(pk=provider_id)
        if Invoice.objects.filter(closure=closure, provider=provider).exists():
            return None
        charged_months = [
            charges_service.contract_month_charge(contract=contract, month=closure.month)
            for contract in monthly_contracts(closure).filter(
                application__group__program__provider_id=provider_id
            )
        ]
        if figures is None or any(charged_months):
            figures = line_figures(closure, provider_id).get(provider_id, [])
        if not figures:
            return None
        invoice = _invoice_create(closure, provider, figures)
        linked_count, linked = close_sql.charges_link(
            invoice_id=invoice.pk,
            municipality_id=closure.municipality_id,
            provider_id=provider_id,
            month=closure.month,
        )
        reversed_count = _reversals_link(closure, invoice, provider_id)
        _totals_check(invoice, figures, (linked_count, reversed_count), linked)
        invoice_advances_net(invoice=invoice)
        MonthClosure.objects.filter(pk=closure.pk).update(providers_done=F("providers_done") + 1)
        audit_record(
            actor=None,
            action="invoice_status",
            obj=invoice,
            status_from="",
            status_to=invoice.status,
            certificate_amount=invoice.certificate_amount,
        )
    return invoice


def _invoice_create(
    closure: MonthClosure, provider: Provider, figures: list[_LineFigures]
) -> Invoice:
    issued_on = timezone.localdate()
    # Numbers are gap-free per series, payer and year: taken in this transaction, they are
    # rolled back with it if the step fails.
    series = f"{closure.municipality_id}-{issued_on.year}"
    invoice = Invoice.objects.create(
        closure=closure,
        provider=provider,
        series=series,
        number=sequence_next(name=f"invoice:{series}"),
        act_number=sequence_next(name=f"act:{series}"),
        issued_on=issued_on,
        lessons=sum(f.lessons for f in figures),
        certificate_amount=sum(f.certificate for f in figures),
        parent_amount=sum(f.parent for f in figures),
    )
    # By primary key: in_bulk splits a long list of keys as the database needs.
    contracts = Contract.objects.select_related(
        "application__child", "application__group__program"
    ).in_bulk(sorted({f.contract_id for f in figures}))
    planned = _lessons_planned(
        closure, [contracts[f.contract_id] for f in figures if f.corrects_month is None]
    )
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=invoice,
                contract_id=f.contract_id,
                contract_number=contracts[f.contract_id].number,
                child_initials=contracts[f.contract_id].application.child.initials_name,
                program_title=contracts[f.contract_id].application.group.program.title,
                group_name=contracts[f.contract_id].application.group.name,
                corrects_month=f.corrects_month,
                lessons_planned=0 if f.corrects_month else planned.get(f.contract_id, 0),
                lessons_attended=f.lessons,
                certificate_amount=f.certificate,
                parent_amount=f.parent,
            )
            for f in figures
        ),
        batch_size=2000,
    )
    return invoice


def _reversals_link(closure: MonthClosure, invoice: Invoice, provider_id: int) -> int:
    """Link the billed charges taken back since (rare: a mark undone after its month closed) to
    the correction lines of the months they were billed in; how many were linked. One without
    its line is left unlinked, as the set-based link leaves a charge: the counts then differ
    and the step is refused."""
    line_ids = {
        (contract_id, corrects): pk
        for pk, contract_id, corrects in InvoiceLine.objects.filter(
            invoice=invoice, corrects_month__isnull=False
        ).values_list("pk", "contract_id", "corrects_month")
    }
    linked = InvoicedReversal.objects.bulk_create(
        InvoicedReversal(line_id=line_ids[(contract_id, billed_month)], charge_id=pk)
        for pk, contract_id, billed_month in _unbilled_reversals(closure)
        .filter(contract__application__group__program__provider_id=provider_id)
        .order_by("pk")
        .values_list("pk", "contract_id", "billed_month")
        if (contract_id, billed_month) in line_ids
    )
    return len(linked)


def _totals_check(
    invoice: Invoice,
    figures: list[_LineFigures],
    counts: tuple[int, int],
    linked: dict[int, close_sql.LineSums],
) -> None:
    """Sum what was linked again: each line's figures must be what the charges linked to it
    (less the reversals) add up to, the lines must add up to the invoice, and as many charges
    and reversals must have been linked as the lines were summed from — to the kopeck, or the
    provider's step is rolled back."""
    taken = {
        row["line_id"]: close_sql.LineSums(row["lessons"], row["certificate"], row["parent"])
        for row in InvoicedReversal.objects.filter(line__invoice=invoice)
        .order_by()
        .values("line_id")
        .annotate(
            lessons=Count("charge__lesson"),
            certificate=Sum("charge__certificate_amount"),
            parent=Sum("charge__parent_amount"),
        )
    }
    nothing = close_sql.LineSums(0, 0, 0)
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice).values_list(
            "pk", "lessons_attended", "certificate_amount", "parent_amount"
        )
    )
    each_line_adds_up = all(
        (
            linked.get(pk, nothing).lessons - taken.get(pk, nothing).lessons,
            linked.get(pk, nothing).certificate - taken.get(pk, nothing).certificate,
            linked.get(pk, nothing).parent - taken.get(pk, nothing).parent,
        )
        == (lessons, certificate, parent)
        for pk, lessons, certificate, parent in lines
    )
    in_lines = tuple(sum(line[i] for line in lines) for i in (1, 2, 3))
    expected = (invoice.lessons, invoice.certificate_amount, invoice.parent_amount)
    summed_from = (sum(f.charges for f in figures), sum(f.reversals for f in figures))
    if (
        not each_line_adds_up
        or set(linked) - {line[0] for line in lines}
        or in_lines != expected
        or counts != summed_from
    ):
        raise MonthCloseError(
            f"Суммы счёта поставщику «{invoice.provider.short_name}» не сошлись при проверке; "
            "счёт не выставлен. Повторите закрытие месяца — оно продолжится с этого поставщика."
        )


def _lessons_planned(closure: MonthClosure, contracts: list[Contract]) -> dict[int, int]:
    """Lessons of each contract's group in the month that the contract covered (not
    cancelled): what the schedule promised, beside what was attended. One query for all the
    groups' lessons of the month, counted per contract here."""
    first, last = closure.month, _month_end(closure.month)
    group_ids = {contract.application.group_id for contract in contracts}
    dates: dict[int, list[datetime.date]] = defaultdict(list)
    for group_id, day in (
        Lesson.objects.filter(
            group_id__in=group_ids, date__gte=first, date__lte=last, status=LessonStatus.PLANNED
        )
        .order_by("group_id", "date")
        .values_list("group_id", "date")
    ):
        dates[group_id].append(day)
    planned: dict[int, int] = defaultdict(int)
    for contract in contracts:
        ends = min(last, contract.end_date)
        if contract.terminated_on is not None:
            ends = min(ends, contract.terminated_on - datetime.timedelta(days=1))
        starts = max(first, contract.start_date)
        if starts <= ends:
            days = dates[contract.application.group_id]
            planned[contract.pk] = bisect.bisect_right(days, ends) - bisect.bisect_left(
                days, starts
            )
    return planned
