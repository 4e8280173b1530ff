"""The reports' figures, each one aggregate query (docs/reports.md holds the SQL of each).

Definitions, stated once:

* a child's age is in full years on the report date `on` (as `Child.age_on` counts it); the
  coverage counts ages 5 to 18 inclusive — a child who turns 5 on that day is counted, one
  who turns 19 on that day is not;
* a contract is active on `on` when `start_date <= on <= end_date` and it was not terminated
  by then (`terminated_on` empty or after `on`): a withdrawn child stops counting from the
  day the contract ends;
* a child is covered when it has at least one active contract, whatever the program's
  financing source; a child in three clubs is one covered child overall and one in each
  направленность it attends (so the направленности add up to more than the total);
* a child is counted in its home municipality (`Child.municipality`), wherever it studies;
* the population is the operator's figures per age (`PopulationFigure`); a municipality
  without them falls back to its one figure for ages 5–18 (`children_population`) in the
  overall coverage, and has no per-age coverage.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from kruzhok.catalog.models import Direction, Group
from kruzhok.certificates import selectors as certificate_selectors
from kruzhok.common.models import Municipality, PopulationFigure
from kruzhok.enrollment.models import Application, Charge, Contract
from kruzhok.providers.models import Provider

AGE_MIN, AGE_MAX = 5, 18
AGES = range(AGE_MIN, AGE_MAX + 1)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def born_for_ages(on: datetime.date, low: int, high: int, field: str = "birth_date") -> Q:
    """Children aged low..high full years on `on`, as a condition on their birth date:
    aged at least `low` means born on or before `on` minus `low` years; at most `high` means
    born after `on` minus `high + 1` years."""
    return Q(**{f"{field}__lte": years_before(on, low), f"{field}__gt": years_before(on, high + 1)})


def age_on(on: datetime.date, field: str = "birth_date") -> Case:
    """The age in full years on `on` as a database expression (5..18, else NULL)."""
    return Case(
        *(When(born_for_ages(on, age, age, field), then=Value(age)) for age in AGES),
        output_field=IntegerField(),
    )


def contracts_active(*, on: datetime.date) -> QuerySet[Contract]:
    return Contract.objects.filter(start_date__lte=on, end_date__gte=on).filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=on)
    )


def covered_contracts(*, municipality_ids: list[int], on: datetime.date) -> QuerySet[Contract]:
    """Active contracts of children aged 5–18 living in these municipalities."""
    return contracts_active(on=on).filter(
        born_for_ages(on, AGE_MIN, AGE_MAX, "application__child__birth_date"),
        application__child__municipality_id__in=municipality_ids,
    )


@dataclass(frozen=True)
class CoverageRow:
    """One line of a coverage table: children covered out of the population."""

    key: str
    label: str
    covered: int
    population: int | None

    @property
    def percent(self) -> float | None:
        if not self.population:
            return None
        return 100 * self.covered / self.population


def _population_by_municipality(municipality_ids: list[int]) -> dict[int, int]:
    """Figures summed over ages 5–18, or the municipality's one figure where there are none."""
    by_age = dict(
        PopulationFigure.objects.filter(municipality_id__in=municipality_ids)
        .values("municipality")
        .annotate(total=Sum("children"))
        .values_list("municipality", "total")
    )
    fallback = dict(
        Municipality.objects.filter(pk__in=municipality_ids).values_list(
            "pk", "children_population"
        )
    )
    return {pk: by_age.get(pk, fallback.get(pk, 0)) for pk in municipality_ids}


def coverage_overall(
    *, municipality_ids: list[int], on: datetime.date
) -> tuple[CoverageRow, list[CoverageRow]]:
    """The overall coverage and the coverage per направленность, from one pass over the
    covered contracts: grouped by child (whether the child attends each направленность), then
    counted. At a region's scale the join of contracts, applications, children, groups and
    programs is the cost; a COUNT(DISTINCT) per figure made it twice, each sorting its rows.
    Equal to `coverage_total` and `coverage_by_direction` (docs/reports.md holds their SQL)."""
    direction = "application__group__program__direction"
    directions = list(Direction)
    per_child = (
        covered_contracts(municipality_ids=municipality_ids, on=on)
        .values("application__child")
        .annotate(
            **{
                f"in_{i}": Max(Case(When(**{direction: d.value}, then=Value(1)), default=Value(0)))
                for i, d in enumerate(directions)
            }
        )
    )
    counts = per_child.aggregate(
        total=Count("application__child"),
        **{f"n_{i}": Sum(f"in_{i}") for i in range(len(directions))},
    )
    population = sum(_population_by_municipality(municipality_ids).values())
    total = CoverageRow("total", "Все направленности", counts["total"], population)
    return total, [
        CoverageRow(str(d.value), str(d.label), counts[f"n_{i}"] or 0, population)
        for i, d in enumerate(directions)
    ]


def coverage_total(*, municipality_ids: list[int], on: datetime.date) -> CoverageRow:
    """Distinct covered children (one query) out of the population (two)."""
    covered = covered_contracts(municipality_ids=municipality_ids, on=on).aggregate(
        n=Count("application__child", distinct=True)
    )["n"]
    population = sum(_population_by_municipality(municipality_ids).values())
    return CoverageRow("total", "Все направленности", covered, population)


def coverage_by_direction(*, municipality_ids: list[int], on: datetime.date) -> list[CoverageRow]:
    """Covered children per направленность (a child counts once in each it attends)."""
    counts = dict(
        covered_contracts(municipality_ids=municipality_ids, on=on)
        .values("application__group__program__direction")
        .annotate(n=Count("application__child", distinct=True))
        .values_list("application__group__program__direction", "n")
    )
    population = sum(_population_by_municipality(municipality_ids).values())
    return [
        CoverageRow(
            str(direction.value), str(direction.label), counts.get(direction, 0), population
        )
        for direction in Direction
    ]


def coverage_by_age(*, municipality_ids: list[int], on: datetime.date) -> list[CoverageRow]:
    """Covered children per age on `on`, against the population of that age."""
    counts = dict(
        covered_contracts(municipality_ids=municipality_ids, on=on)
        .annotate(age=age_on(on, "application__child__birth_date"))
        .values("age")
        .annotate(n=Count("application__child", distinct=True))
        .values_list("age", "n")
    )
    population = dict(
        PopulationFigure.objects.filter(municipality_id__in=municipality_ids)
        .values("age")
        .annotate(total=Sum("children"))
        .values_list("age", "total")
    )
    return [
        CoverageRow(str(age), f"{age} лет", counts.get(age, 0), population.get(age)) for age in AGES
    ]


def coverage_by_municipality(
    *, municipality_ids: list[int], on: datetime.date
) -> list[CoverageRow]:
    """Covered children per home municipality."""
    counts = dict(
        covered_contracts(municipality_ids=municipality_ids, on=on)
        .values("application__child__municipality")
        .annotate(n=Count("application__child", distinct=True))
        .values_list("application__child__municipality", "n")
    )
    population = _population_by_municipality(municipality_ids)
    names = Municipality.objects.filter(pk__in=municipality_ids).order_by("name")
    return [
        CoverageRow(str(pk), name, counts.get(pk, 0), population.get(pk))
        for pk, name in names.values_list("pk", "name")
    ]


@dataclass(frozen=True)
class CertificateUse:
    issued: int
    funded: int
    accounting: int
    in_use: int  # certificates with an active contract on the report date


def certificate_use(*, municipality_ids: list[int], on: datetime.date) -> CertificateUse:
    counts = certificate_selectors.certificate_counts(municipality_ids=municipality_ids)
    in_use = (
        contracts_active(on=on)
        .filter(certificate__municipality_id__in=municipality_ids)
        .aggregate(n=Count("certificate", distinct=True))["n"]
    )
    return CertificateUse(counts.issued, counts.funded, counts.accounting, in_use)


# The dashboard's coverage and certificates are the heaviest figures of the operator's pages (a
# join over every active contract of the region); they are kept for a few minutes per
# municipalities and date, and the page says when they were counted.
DASHBOARD_SECONDS = 5 * 60


@dataclass(frozen=True)
class DashboardFigures:
    total: CoverageRow
    directions: list[CoverageRow]
    use: CertificateUse
    counted_at: datetime.datetime


def dashboard_figures(*, municipality_ids: list[int], on: datetime.date) -> DashboardFigures:
    """The coverage (overall and per направленность) and the certificates' use, counted at
    most `DASHBOARD_SECONDS` ago."""
    ids = ",".join(str(pk) for pk in sorted(municipality_ids))
    key = f"reports:dashboard:{on.isoformat()}:{ids}"
    figures = cache.get(key)
    if not isinstance(figures, DashboardFigures):
        total, directions = coverage_overall(municipality_ids=municipality_ids, on=on)
        figures = DashboardFigures(
            total=total,
            directions=directions,
            use=certificate_use(municipality_ids=municipality_ids, on=on),
            counted_at=timezone.now(),
        )
        cache.set(key, figures, DASHBOARD_SECONDS)
    return figures


def provider_table(*, municipality_ids: list[int], on: datetime.date) -> list[dict[str, Any]]:
    """Providers registered in these municipalities with their contracts (concluded, active on
    `on`, terminated) and revenue (charges not reversed: the certificates' part and the
    parents'), the largest revenue first.

    Two GROUP BY queries — contracts by provider, charges by provider — joined by provider id
    with the providers' names: a few hundred aggregated rows. (Correlated subqueries per
    provider, the first version, took seconds at a region's scale: each walked the charges.)"""
    mine = {"application__group__program__provider__municipality_id__in": municipality_ids}
    active = Q(start_date__lte=on, end_date__gte=on) & (
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=on)
    )
    contracts = {
        row["provider"]: row
        for row in Contract.objects.filter(**mine)
        .values(provider=F("application__group__program__provider"))
        .annotate(
            total=Count("pk"),
            active=Count("pk", filter=active),
            terminated=Count("pk", filter=Q(terminated_on__isnull=False)),
        )
    }
    charges = {
        row["provider"]: row
        for row in Charge.objects.filter(
            reversed_at__isnull=True,
            contract__application__group__program__provider__municipality_id__in=municipality_ids,
        )
        .values(provider=F("contract__application__group__program__provider"))
        .annotate(certificate=Sum("certificate_amount"), parents=Sum("parent_amount"))
    }
    none: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for pk, name in Provider.objects.filter(municipality_id__in=municipality_ids).values_list(
        "pk", "short_name"
    ):
        c, r = contracts.get(pk, none), charges.get(pk, none)
        rows.append(
            {
                "pk": pk,
                "short_name": name,
                "contracts_total": c.get("total", 0),
                "contracts_active": c.get("active", 0),
                "contracts_terminated": c.get("terminated", 0),
                "revenue_certificate": r.get("certificate", 0),
                "revenue_parents": r.get("parents", 0),
                "revenue": r.get("certificate", 0) + r.get("parents", 0),
            }
        )
    rows.sort(key=lambda row: (-row["revenue"], -row["contracts_total"], row["short_name"]))
    return rows


def program_table(*, municipality_ids: list[int]) -> list[dict[str, Any]]:
    """Programs of providers in these municipalities that have groups: applications ever
    made, seats (the groups' capacity), seats taken now, applications per seat (demand) and
    the share of seats taken (fill rate, %), the most demanded first.

    Two GROUP BY queries — the groups' seats by program (with the program's names), the
    applications by program — joined by program id."""
    seats = (
        Group.objects.filter(program__provider__municipality_id__in=municipality_ids)
        .values("program", "program__title", "program__direction", "program__provider__short_name")
        .annotate(seats=Sum("capacity"), seats_taken=Sum("seats_taken"))
    )
    applications = dict(
        Application.objects.filter(group__program__provider__municipality_id__in=municipality_ids)
        .values("group__program")
        .annotate(n=Count("pk"))
        .values_list("group__program", "n")
    )
    rows = []
    for row in seats:
        n = applications.get(row["program"], 0)
        rows.append(
            {
                "pk": row["program"],
                "title": row["program__title"],
                "direction": row["program__direction"],
                "provider__short_name": row["program__provider__short_name"],
                "applications": n,
                "seats": row["seats"],
                "seats_taken": row["seats_taken"],
                "demand": n / row["seats"] if row["seats"] else None,
                "fill": 100 * row["seats_taken"] / row["seats"] if row["seats"] else None,
            }
        )
    rows.sort(key=lambda r: (r["demand"] is None, -(r["demand"] or 0), r["title"], r["pk"]))
    return rows


def municipality_names(*, municipality_ids: list[int]) -> str:
    names = list(
        Municipality.objects.filter(pk__in=municipality_ids)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return ", ".join(names) if len(names) <= 2 else f"все муниципалитеты региона ({len(names)})"
