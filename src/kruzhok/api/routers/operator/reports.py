"""The reports' figures as JSON."""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kruzhok.accounts.models import Role
from kruzhok.api.answers import READ_ERRORS, date_checked
from kruzhok.api.auth import Principal
from kruzhok.api.problems import Problem
from kruzhok.api.routers.operator.access import caller_of, municipalities
from kruzhok.api.schemas import Money, money
from kruzhok.certificates import selectors as certificate_selectors
from kruzhok.reports import selectors as report_selectors
from kruzhok.reports.selectors import CoverageRow

router = Router()


class ReportQuery(Schema):
    municipality: int | None = Field(
        None, ge=1, le=2**31 - 1, description="муниципалитет; без него — все ваши"
    )
    on: datetime.date | None = Field(None, description="дата отчёта; без неё — сегодня")


class ReportScope(Schema):
    municipality_ids: list[int]
    label: str
    on: datetime.date


def _scope(caller: Principal, query: ReportQuery) -> ReportScope:
    ids = municipalities(caller, query.municipality)
    if query.municipality is None and caller.user.role != Role.REGIONAL_ADMIN:
        ids = ids[:1]
    on = date_checked(query.on, field="on") or timezone.localdate()
    return ReportScope(
        municipality_ids=ids,
        label=report_selectors.municipality_names(municipality_ids=ids),
        on=on,
    )


class CoverageOut(Schema):
    key: str
    label: str
    covered: int = Field(description="охвачено детей 5–18 лет")
    population: int | None = Field(description="численность детей; null — не введена")
    percent: float | None


class CoverageReport(Schema):
    scope: ReportScope
    total: CoverageOut = Field(description="ребёнок учитывается один раз")
    by_direction: list[CoverageOut]
    by_age: list[CoverageOut]
    by_municipality: list[CoverageOut]


def _coverage(row: CoverageRow) -> CoverageOut:
    percent = row.percent
    return CoverageOut(
        key=row.key,
        label=row.label,
        covered=row.covered,
        population=row.population,
        percent=round(percent, 2) if percent is not None else None,
    )


@router.get(
    "/reports/coverage",
    response={200: CoverageReport, READ_ERRORS: Problem},
    summary="Охват детей",
    url_name="operator_report_coverage",
)
def report_coverage(request: HttpRequest, query: Query[ReportQuery]) -> CoverageReport:
    """Children 5–18 with an active contract out of the population, overall and by
    направленность, age and home municipality (the coverage reports' figures)."""
    scope = _scope(caller_of(request), query)
    ids, on = scope.municipality_ids, scope.on
    return CoverageReport(
        scope=scope,
        total=_coverage(report_selectors.coverage_total(municipality_ids=ids, on=on)),
        by_direction=[
            _coverage(r)
            for r in report_selectors.coverage_by_direction(municipality_ids=ids, on=on)
        ],
        by_age=[
            _coverage(r) for r in report_selectors.coverage_by_age(municipality_ids=ids, on=on)
        ],
        by_municipality=[
            _coverage(r)
            for r in report_selectors.coverage_by_municipality(municipality_ids=ids, on=on)
        ],
    )


class CertificatesReport(Schema):
    scope: ReportScope
    issued: int
    funded: int = Field(description="сертификаты персонифицированного финансирования")
    accounting: int = Field(description="сертификаты учёта")
    in_use: int = Field(description="с действующим договором на дату отчёта")


@router.get(
    "/reports/certificates",
    response={200: CertificatesReport, READ_ERRORS: Problem},
    summary="Сертификаты",
    url_name="operator_report_certificates",
)
def report_certificates(request: HttpRequest, query: Query[ReportQuery]) -> CertificatesReport:
    """Certificates of the municipalities' children issued, funded, for accounting, and in
    use on the report date (the certificates report)."""
    scope = _scope(caller_of(request), query)
    use = report_selectors.certificate_use(municipality_ids=scope.municipality_ids, on=scope.on)
    return CertificatesReport(
        scope=scope,
        issued=use.issued,
        funded=use.funded,
        accounting=use.accounting,
        in_use=use.in_use,
    )


class MoneyMonthOut(Schema):
    month: datetime.date
    credited: Money = Field(description="зачислено")
    spent: Money = Field(description="списано за обучение")
    expired: Money = Field(description="возвращено в бюджет")
    reserved: Money = Field(description="в резерве на конец месяца")
    remaining: Money = Field(description="остаток на конец месяца (резерв входит в него)")


class MoneyReport(Schema):
    scope: ReportScope
    months: list[MoneyMonthOut]


@router.get(
    "/reports/money",
    response={200: MoneyReport, READ_ERRORS: Problem},
    summary="Средства сертификатов по месяцам",
    url_name="operator_report_money",
)
def report_money(request: HttpRequest, query: Query[ReportQuery]) -> MoneyReport:
    """The certificates' money by month: credited, spent, expired back to the budget, and
    reserved and remaining at the month's end (the money report)."""
    scope = _scope(caller_of(request), query)
    months = certificate_selectors.certificate_money_by_month(
        municipality_ids=scope.municipality_ids
    )
    return MoneyReport(
        scope=scope,
        months=[
            MoneyMonthOut(
                month=m.month,
                credited=money(m.credited),
                spent=money(m.spent),
                expired=money(m.expired),
                reserved=money(m.reserved),
                remaining=money(m.remaining),
            )
            for m in months
        ],
    )


class ProviderFigures(Schema):
    provider_id: int
    short_name: str
    contracts_total: int
    contracts_active: int = Field(description="действуют на дату отчёта")
    contracts_terminated: int
    revenue_certificate: Money
    revenue_parents: Money
    revenue: Money


class ProvidersReport(Schema):
    scope: ReportScope
    providers: list[ProviderFigures]


@router.get(
    "/reports/providers",
    response={200: ProvidersReport, READ_ERRORS: Problem},
    summary="Поставщики: договоры и выручка",
    url_name="operator_report_providers",
)
def report_providers(request: HttpRequest, query: Query[ReportQuery]) -> ProvidersReport:
    """The municipalities' providers with their contracts and revenue (charges not reversed),
    the largest revenue first (the providers report)."""
    scope = _scope(caller_of(request), query)
    rows = report_selectors.provider_table(municipality_ids=scope.municipality_ids, on=scope.on)
    return ProvidersReport(
        scope=scope,
        providers=[
            ProviderFigures(
                provider_id=r["pk"],
                short_name=r["short_name"],
                contracts_total=r["contracts_total"],
                contracts_active=r["contracts_active"],
                contracts_terminated=r["contracts_terminated"],
                revenue_certificate=money(r["revenue_certificate"]),
                revenue_parents=money(r["revenue_parents"]),
                revenue=money(r["revenue"]),
            )
            for r in rows
        ],
    )


class ProgramFigures(Schema):
    program_id: int
    title: str
    direction: str
    provider_name: str
    applications: int
    seats: int
    seats_taken: int
    demand: float | None = Field(description="заявок на место")
    fill_percent: float | None = Field(description="заполненность, %")


class ProgramsReport(Schema):
    scope: ReportScope
    programs: list[ProgramFigures]


@router.get(
    "/reports/programs",
    response={200: ProgramsReport, READ_ERRORS: Problem},
    summary="Программы: спрос и заполненность",
    url_name="operator_report_programs",
)
def report_programs(request: HttpRequest, query: Query[ReportQuery]) -> ProgramsReport:
    """Programs with groups: applications, seats, seats taken, applications per seat and fill
    rate, the most demanded first (the programs report)."""
    scope = _scope(caller_of(request), query)
    rows = report_selectors.program_table(municipality_ids=scope.municipality_ids)
    return ProgramsReport(
        scope=scope,
        programs=[
            ProgramFigures(
                program_id=r["pk"],
                title=r["title"],
                direction=r["direction"],
                provider_name=r["provider__short_name"],
                applications=r["applications"],
                seats=r["seats"] or 0,
                seats_taken=r["seats_taken"] or 0,
                demand=round(r["demand"], 2) if r["demand"] is not None else None,
                fill_percent=round(r["fill"], 2) if r["fill"] is not None else None,
            )
            for r in rows
        ],
    )
