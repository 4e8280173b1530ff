"""A child's monthly statement: what each charged lesson cost, what the certificate paid and
what the family pays on top (co-payment).

A lesson belongs to the month of its date, as the operator's month close bills it. Only active
charges count: a lesson marked and then un-marked has its charge reversed and is left out, and a
cancelled lesson is never charged. Every total is a sum of the lines it stands over, so the
statement adds up by construction; the tests hold the certificate's total equal to the ledger's
transfers for the month.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.billing.selectors import month_closure_get
from kruzhok.catalog.models import Group, Program
from kruzhok.certificates.models import Certificate
from kruzhok.certificates.selectors import certificate_operations
from kruzhok.common.months import month_name
from kruzhok.enrollment.models import Charge, Contract
from kruzhok.families.models import Child
from kruzhok.providers.models import Provider


@dataclass(frozen=True)
class StatementLine:
    """One charged lesson, or — paid monthly — the month as a whole (no date, no hours)."""

    lesson_date: datetime.date | None
    hours: int
    lesson_value: int
    certificate_amount: int
    parent_amount: int


def _sum(lines: Iterable[StatementLine], field: str) -> int:
    return sum(getattr(line, field) for line in lines)


@dataclass(frozen=True)
class ContractStatement:
    """A contract's month: its lessons charged in the month, oldest first, and their totals."""

    contract: Contract
    lines: tuple[StatementLine, ...]

    @property
    def group(self) -> Group:
        return self.contract.application.group

    @property
    def program(self) -> Program:
        return self.group.program

    @property
    def provider(self) -> Provider:
        return self.program.provider

    @property
    def lessons(self) -> int:
        """Charged lessons (a month paid as a whole is not a lesson)."""
        return sum(1 for line in self.lines if line.lesson_date is not None)

    @property
    def hours(self) -> int:
        return _sum(self.lines, "hours")

    @property
    def lesson_value(self) -> int:
        return _sum(self.lines, "lesson_value")

    @property
    def certificate_amount(self) -> int:
        return _sum(self.lines, "certificate_amount")

    @property
    def parent_amount(self) -> int:
        return _sum(self.lines, "parent_amount")


@dataclass(frozen=True)
class CertificateAtDay:
    """The certificate's money at the end of a day (kopecks), recomputed from its operations
    made up to then. A lesson marked after that day is charged in the ledger the day it is
    marked, so these figures may not yet include every lesson of the month."""

    certificate: Certificate
    day: datetime.date
    balance: int
    reserved: int

    @property
    def available(self) -> int:
        return self.balance - self.reserved


@dataclass(frozen=True)
class Statement:
    """A child's statement for a month (`month` is its first day)."""

    child: Child
    month: datetime.date
    guardians: tuple[User, ...]
    contracts: tuple[ContractStatement, ...]
    # The certificate at the month's last day (or today, for a month not over yet); None
    # without a certificate, or for a month before it was issued.
    certificate: CertificateAtDay | None
    # The month is over and the operator has closed it for every contract's provider: its
    # charges are final. Until then a teacher may still correct the journal.
    final: bool
    month_started: bool
    month_over: bool

    @property
    def name(self) -> str:
        """«октябрь 2026»."""
        return month_name(self.month)

    @property
    def last_day(self) -> datetime.date:
        return month_last_day(self.month)

    @property
    def is_empty(self) -> bool:
        return not self.contracts

    @property
    def lessons(self) -> int:
        return sum(c.lessons for c in self.contracts)

    @property
    def lesson_value(self) -> int:
        return sum(c.lesson_value for c in self.contracts)

    @property
    def certificate_amount(self) -> int:
        return sum(c.certificate_amount for c in self.contracts)

    @property
    def parent_amount(self) -> int:
        return sum(c.parent_amount for c in self.contracts)


def month_last_day(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True)
class StatementMonth:
    """A month with a statement, by its first day."""

    month: datetime.date

    @property
    def name(self) -> str:
        return month_name(self.month)


def child_statement_months(*, child: Child) -> list[StatementMonth]:
    """The months in which the child has charged lessons, newest first."""
    charged = Charge.objects.filter(contract__application__child=child, reversed_at=None)
    months: set[datetime.date] = set(charged.dates("lesson__date", "month"))
    months |= {m for m in charged.values_list("month", flat=True) if m is not None}
    return [StatementMonth(month=month) for month in sorted(months, reverse=True)]


def _contract_statements(child: Child, first: datetime.date) -> tuple[ContractStatement, ...]:
    charges = (
        Charge.objects.filter(contract__application__child=child, reversed_at=None)
        .filter(
            Q(lesson__date__gte=first, lesson__date__lte=month_last_day(first)) | Q(month=first)
        )
        .select_related(
            "lesson",
            "contract__application__group__program__provider",
            "contract__application__group__teacher",
        )
        .order_by("lesson__date", "lesson__start_time", "pk")
    )
    by_contract: dict[int, list[StatementLine]] = {}
    contracts: dict[int, Contract] = {}
    for charge in charges:
        contracts.setdefault(charge.contract_id, charge.contract)
        by_contract.setdefault(charge.contract_id, []).append(
            StatementLine(
                lesson_date=charge.lesson.date if charge.lesson else None,
                hours=charge.lesson.hours if charge.lesson else 0,
                lesson_value=charge.lesson_value,
                certificate_amount=charge.certificate_amount,
                parent_amount=charge.parent_amount,
            )
        )
    statements = [
        ContractStatement(contract=contracts[pk], lines=tuple(lines))
        for pk, lines in by_contract.items()
    ]
    statements.sort(key=lambda s: (s.program.title, s.group.name, s.contract.number))
    return tuple(statements)


def _certificate_at(child: Child, day: datetime.date) -> CertificateAtDay | None:
    certificate = Certificate.objects.filter(child=child).first()
    if certificate is None:
        return None
    tz = timezone.get_current_timezone()
    # The end of the day where the family lives (the portal's time zone).
    until = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz)
    if certificate.issued_at >= until:
        return None
    operations = [
        o for o in certificate_operations(certificate=certificate) if o.created_at < until
    ]
    return CertificateAtDay(
        certificate=certificate,
        day=day,
        balance=sum(o.amount for o in operations),
        reserved=sum(o.reserved_change for o in operations),
    )


def _guardians(child: Child) -> tuple[User, ...]:
    return tuple(
        g.user
        for g in child.guardianships.select_related("user").order_by(
            "-is_primary", "created_at", "pk"
        )
    )


def child_statement(*, child: Child, month: datetime.date, today: datetime.date) -> Statement:
    """The child's statement for the month that `month` belongs to, as of `today`.

    Per contract with lessons charged in the month: every such lesson (date, hours, value, the
    certificate's part and the family's co-payment), oldest first, and the contract's totals;
    the month's totals over all contracts; the certificate's balance, reserve and available
    money at the month's end (or today, for the month under way). The caller checks that the
    person may see the child.
    """
    first = month.replace(day=1)
    last = month_last_day(first)
    contracts = _contract_statements(child, first)
    month_over = last < today
    # A month's journal freezes when the provider's municipality closes it (attendance
    # refuses changes then), so that is when the family's figures are final.
    provider_municipalities = {c.provider.municipality_id for c in contracts}
    final = (
        month_over
        and bool(provider_municipalities)
        and all(
            month_closure_get(municipality_id=m, day=first) is not None
            for m in provider_municipalities
        )
    )
    return Statement(
        child=child,
        month=first,
        guardians=_guardians(child),
        contracts=contracts,
        certificate=_certificate_at(child, min(last, today)),
        final=final,
        month_started=first <= today,
        month_over=month_over,
    )
