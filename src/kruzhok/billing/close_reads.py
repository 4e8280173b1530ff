"""What a month close reads (see `billing.month_close`): the month's charges that a
municipality's close bills and the reversals it bills back, the contracts paid monthly that it
charges first, each provider's totals, and the lines the ORM sums the charges into (SQLite's
road, and what `close_sql.lines_build` is held equal to). The step that writes lives in
`billing.provider_invoice`."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from kruzhok.billing.models import MonthClosure
from kruzhok.certificates.models import BillingRegime
from kruzhok.enrollment import charges as charges_service
from kruzhok.enrollment.models import Charge, Contract


def month_charges(closure: MonthClosure) -> QuerySet[Charge]:
    """What the close bills: the charges of the municipality's certificates billed in the month
    and not taken back — lessons of the month, and late marks of closed months billed in this
    one as corrections. Frozen from the moment the close's batch exists: a provider with an
    invoice of the close has had all of its billed."""
    return Charge.objects.filter(
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
            start_date__lte=charges_service.month_end(closure.month),
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


def month_reversals(closure: MonthClosure) -> QuerySet[Charge]:
    """Charges billed in a closed month and taken back since, to bill back in this one."""
    return Charge.objects.filter(
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


PROVIDER = "contract__application__group__program__provider_id"


def line_figures(
    closure: MonthClosure, provider_ids: list[int] | None = None
) -> dict[int, list[_LineFigures]]:
    """The lines of the close's invoices by provider (of these providers', `provider_ids`),
    each in contract order, from two GROUP BYs — the charges, and the reversals of charges
    billed before: a row per line comes back, not per charge. Providers already billed by the
    close are in it too: the caller leaves them out."""
    charges, reversals = month_charges(closure), month_reversals(closure)
    if provider_ids is not None:
        charges = charges.filter(**{f"{PROVIDER}__in": provider_ids})
        reversals = reversals.filter(**{f"{PROVIDER}__in": provider_ids})
    lines: dict[tuple[int, int, datetime.date | None], _LineFigures] = {}

    def line(provider: int, contract_id: int, corrects: datetime.date | None) -> _LineFigures:
        key = (provider, contract_id, corrects)
        if key not in lines:
            lines[key] = _LineFigures(contract_id=contract_id, corrects_month=corrects)
        return lines[key]

    for provider, contract_id, month, lessons, certificate, parent in _summed(charges, "for_month"):
        figures = line(provider, contract_id, None if month == closure.month else month)
        figures.lessons += lessons
        figures.certificate += certificate
        figures.parent += parent
    for provider, contract_id, month, lessons, certificate, parent in _summed(
        reversals, "billed_month"
    ):
        figures = line(provider, contract_id, month)
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
    """Charges summed by contract and month: (provider id, contract id, month, lessons,
    certificate amount, parent amount) rows."""
    return (
        charges.order_by()
        .values(PROVIDER, "contract_id", month)
        .annotate(
            lessons=Count("lesson"),
            certificate=Sum("certificate_amount"),
            parent=Sum("parent_amount"),
        )
        .values_list(PROVIDER, "contract_id", month, "lessons", "certificate", "parent")
    )


class ProviderTotals(NamedTuple):
    """A provider's charges of a close less the reversals it bills back, summed."""

    charges: int
    reversals: int
    lessons: int
    certificate: int
    parent: int

    @property
    def bills_anything(self) -> bool:
        return bool(self.charges or self.reversals)


def provider_totals(
    closure: MonthClosure, provider_ids: list[int] | None = None
) -> dict[int, ProviderTotals]:
    """Each provider's (of these providers', `provider_ids`) charges of the close less the
    reversals it bills back, summed per provider in the database: two GROUP BYs, a row per
    provider back. Providers already billed by the close are in it too: the caller leaves
    them out."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for queryset, count, sign in (
        (month_charges(closure), 0, 1),
        (month_reversals(closure), 1, -1),
    ):
        if provider_ids is not None:
            queryset = queryset.filter(**{f"{PROVIDER}__in": provider_ids})
        for provider, n, lessons, certificate, parent in (
            queryset.order_by()
            .values(PROVIDER)
            .annotate(
                n=Count("pk"),
                lessons=Count("lesson"),
                certificate=Sum("certificate_amount"),
                parent=Sum("parent_amount"),
            )
            .values_list(PROVIDER, "n", "lessons", "certificate", "parent")
        ):
            row = totals[provider]
            row[count] += n
            row[2] += sign * lessons
            row[3] += sign * certificate
            row[4] += sign * parent
    return {provider: ProviderTotals(*row) for provider, row in totals.items()}
