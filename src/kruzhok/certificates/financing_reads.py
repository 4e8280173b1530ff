"""Financing programs' reads: which program is in force, what funding a certificate for it
would give (the contract offer's outlook), its budget and quota as the operator's home and the
program's editor show them, and the history of its rule changes. The writes are
`certificates.financing` (the rules) and `certificates.services` (funding)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from kruzhok.certificates import outlook_sql
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    FinancingProgram,
    FinancingProgramChange,
    Transfer,
    TransferKind,
)
from kruzhok.common.models import Municipality


def financing_budget_available(*, financing_program: FinancingProgram) -> int:
    """Money of a financing program's budget not yet credited to certificates (kopecks)."""
    account = Account.objects.filter(
        kind=AccountKind.BUDGET, financing_program=financing_program
    ).first()
    return account.available if account is not None else 0


@dataclass(frozen=True)
class FundingOutlook:
    """What funding a certificate for the financing program in force would give, read at once
    for the contract offer (which every accepted applicant's page shows)."""

    period_start: date
    quota_left: bool
    budget_available: int
    # (age_min, age_max, nominal) by age_min, as `services.nominal_for` searches them.
    bands: tuple[tuple[int, int, int], ...]

    def nominal_for_age(self, age: int) -> int | None:
        return next((nominal for low, high, nominal in self.bands if low <= age <= high), None)


def financing_programs_in_force(
    *, municipality: Municipality | int, day: date
) -> QuerySet[FinancingProgram]:
    """The municipality's financing programs whose period covers the day and that are not
    closed, the latest-starting first: the first is the one in force."""
    return FinancingProgram.objects.filter(
        municipality=municipality, period_start__lte=day, period_end__gte=day, closed_at=None
    ).order_by("-period_start")


def funding_outlook(*, municipality_id: int, day: date) -> FundingOutlook | None:
    """The same answers as `services.financing_program_current`, `services.nominal_for` and
    `financing_budget_available`, in one statement (certificates.outlook_sql); None when no
    financing program is in force."""
    rows = outlook_sql.outlook_rows(municipality_id=municipality_id, day=day)
    if not rows:
        return None
    period_start, funded_count, max_funded, budget_available = rows[0][:4]
    return FundingOutlook(
        period_start=period_start,
        quota_left=funded_count < max_funded,
        budget_available=budget_available or 0,
        bands=tuple(
            (age_min, age_max, nominal)
            for *_, age_min, age_max, nominal in rows
            if age_min is not None
        ),
    )


@dataclass(frozen=True)
class FinancingFigures:
    """A financing program in force as the operator's home shows it (money in kopecks)."""

    program: FinancingProgram
    budget_cap: int
    budget_left: int  # not yet credited to certificates
    funded: int
    quota: int

    @property
    def quota_left(self) -> int:
        return max(self.quota - self.funded, 0)


def financing_figures(*, municipality_ids: Sequence[int], day: date) -> list[FinancingFigures]:
    """The financing program in force in each municipality on the day, with the budget and
    the quota of funded certificates left, in one query."""
    budget = Account.objects.filter(kind=AccountKind.BUDGET, financing_program=OuterRef("pk"))
    left = F("credits_posted") - F("debits_posted") - F("debits_pending")
    programs = (
        FinancingProgram.objects.filter(
            municipality_id__in=municipality_ids,
            period_start__lte=day,
            period_end__gte=day,
            closed_at=None,
        )
        .select_related("municipality")
        .annotate(budget_left=Subquery(budget.order_by("pk").values(v=left)[:1]))
        .order_by("municipality__name", "-period_start")
    )
    seen: set[int] = set()
    figures = []
    for program in programs:
        if program.municipality_id in seen:
            continue  # an older program overlapping the one in force
        seen.add(program.municipality_id)
        figures.append(
            FinancingFigures(
                program=program,
                budget_cap=program.budget_cap,
                budget_left=program.budget_left or 0,
                funded=program.funded_count,
                quota=program.max_funded_certificates,
            )
        )
    return figures


def financing_period_overlaps(
    *, municipality_id: int, start: date, end: date, exclude_pk: int | None = None
) -> bool:
    """Whether another financing program of the municipality shares a day with start..end."""
    others = FinancingProgram.objects.filter(
        municipality_id=municipality_id, period_start__lte=end, period_end__gte=start
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def _sum(queryset: QuerySet[Transfer]) -> int:
    return queryset.aggregate(total=Coalesce(Sum("amount"), 0))["total"]


@dataclass(frozen=True)
class BudgetFigures:
    """A financing program's money and quota beside its editor (kopecks).

    `committed` is what certificates were credited and still hold or spent (credits minus
    what expired back); `spent` is what lessons charged to the municipality's certificates in
    the period (reversed charges taken back); `left` is what the budget may still credit."""

    cap: int
    credited: int
    expired: int
    committed: int
    spent: int
    left: int
    quota: int
    funded_certificates: int

    @property
    def quota_left(self) -> int:
        return max(0, self.quota - self.funded_certificates)


def financing_budget_figures(*, financing_program: FinancingProgram) -> BudgetFigures:
    """Four aggregate queries on indexed columns, whatever the number of certificates."""
    program = FinancingProgram.objects.only(
        "budget_cap", "max_funded_certificates", "funded_count", "period_start", "period_end"
    ).get(pk=financing_program.pk)
    budget = Account.objects.filter(kind=AccountKind.BUDGET, financing_program=program).first()
    by_kind: dict[str, int] = {}
    if budget is not None:
        by_kind = dict(
            Transfer.objects.filter(Q(debit_account=budget) | Q(credit_account=budget))
            .values("kind")
            .annotate(total=Sum("amount"))
            .values_list("kind", "total")
        )
    in_period = Transfer.objects.filter(
        created_at__date__gte=program.period_start, created_at__date__lte=program.period_end
    )
    posted = _sum(
        in_period.filter(
            kind=TransferKind.POST,
            debit_account__kind=AccountKind.CERTIFICATE,
            debit_account__municipality_id=program.municipality_id,
        )
    )
    reversed_posts = _sum(
        in_period.filter(
            kind=TransferKind.REVERSE,
            reverses__kind=TransferKind.POST,
            credit_account__kind=AccountKind.CERTIFICATE,
            credit_account__municipality_id=program.municipality_id,
        )
    )
    credited = by_kind.get(TransferKind.CREDIT, 0)
    expired = by_kind.get(TransferKind.EXPIRE, 0)
    return BudgetFigures(
        cap=program.budget_cap,
        credited=credited,
        expired=expired,
        committed=credited - expired,
        spent=posted - reversed_posts,
        left=budget.available if budget is not None else 0,
        quota=program.max_funded_certificates,
        funded_certificates=program.funded_count,
    )


def financing_program_changes(
    *, financing_program: FinancingProgram
) -> QuerySet[FinancingProgramChange]:
    """The program's change history, newest first, with who made each change."""
    return FinancingProgramChange.objects.filter(
        financing_program=financing_program
    ).select_related("changed_by")
