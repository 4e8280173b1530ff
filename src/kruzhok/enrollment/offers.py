"""The contract offer: what the contract would say if the parent accepted it now.

Nothing here writes; `services.contract_accept` freezes these figures into a Contract.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from kruzhok.catalog.course_costs import CourseCost, group_course_cost, monthly_average
from kruzhok.catalog.models import FinancingSource, Group
from kruzhok.certificates.financing_reads import FundingOutlook, funding_outlook
from kruzhok.certificates.models import CertificateStatus
from kruzhok.certificates.selectors import certificate_money, funded_available_by_child
from kruzhok.enrollment.models import Application
from kruzhok.families.models import Child


@dataclass(frozen=True)
class Offer:
    """The contract offer as the parent sees it before accepting (kopecks)."""

    start_date: datetime.date
    end_date: datetime.date
    lessons: int
    total_hours: int
    price_per_hour: int
    total_cost: int
    certificate_part: int
    parent_part: int
    uses_certificate: bool
    certificate_note: str
    # The certificate's money at signing (available, or the nominal it would be credited with).
    certificate_available: int = 0
    months: int = 0


@dataclass
class CertificateMoney:
    """What a page showing several groups' offers reads once: each child's certificate money
    for offers (available, note) by child id, and the funding outlook of each municipality
    (one for all the family's children, who mostly live in the same one)."""

    children: dict[int, tuple[int, str]] = field(default_factory=dict)
    outlooks: dict[int, FundingOutlook | None] = field(default_factory=dict)

    def read(self, children: list[Child], today: datetime.date) -> None:
        """Read the money of those of `children` not read yet: their funded certificates' in
        one query (not a certificate and an account a child), the others' from their
        municipality's funding outlook, read once a municipality."""
        unread = [child for child in children if child.pk not in self.children]
        if not unread:
            return
        funded = funded_available_by_child(child_ids=[child.pk for child in unread])
        for child in unread:
            self.children[child.pk] = (
                (funded[child.pk], "")
                if child.pk in funded
                else _money_before_funding(child, today, self.outlooks)
            )


def offer_compute(
    *,
    application: Application,
    today: datetime.date | None = None,
    course: CourseCost | None = None,
    certificate_money: CertificateMoney | None = None,
) -> Offer:
    """What the contract would say if accepted today; nothing is written.

    Total cost = price per hour × hours of all the group's planned lessons from the contract
    start; certificate part = min(total cost, money available on the certificate). A page
    that has the group's `course` from `today` already passes it, and one that shows several
    groups passes a `certificate_money` dict in which each child's money is kept once read.
    """
    today = today or timezone.localdate()
    group = application.group
    program = group.program
    course = course or group_course_cost(group=group, today=today)
    total_cost = course.total
    uses_certificate = program.financing_source == FinancingSource.CERTIFICATE
    if certificate_money is None or not uses_certificate:
        available, note = _certificate_money_for_offer(application.child, today, uses_certificate)
    else:
        child = application.child
        certificate_money.read([child], today)
        available, note = certificate_money.children[child.pk]
    certificate_part = min(total_cost, available) if uses_certificate else 0
    return Offer(
        start_date=course.start_date,
        end_date=course.end_date,
        lessons=course.lessons,
        total_hours=course.hours,
        price_per_hour=course.price_per_hour,
        total_cost=total_cost,
        certificate_part=certificate_part,
        parent_part=total_cost - certificate_part,
        uses_certificate=uses_certificate,
        certificate_note=note,
        certificate_available=available,
        months=course.months,
    )


def _certificate_money_for_offer(
    child: Child, today: datetime.date, uses_certificate: bool
) -> tuple[int, str]:
    """Money the certificate will have at signing: its available amount, or the nominal it
    would be credited with if it is not funded yet (quota and budget permitting)."""
    if not uses_certificate:
        return 0, ""
    certificate = getattr(child, "certificate", None)
    if certificate is not None and certificate.status == CertificateStatus.FUNDED:
        return certificate_money(certificate=certificate).available, ""
    return _money_before_funding(child, today, None)


def _money_before_funding(
    child: Child,
    today: datetime.date,
    outlooks: dict[int, FundingOutlook | None] | None,
) -> tuple[int, str]:
    """The nominal a child without a funded certificate would be credited with at signing, or
    0 and why not. `outlooks` keeps each municipality's funding outlook once read, for a page
    of several offers."""
    if outlooks is None:
        outlook = funding_outlook(municipality_id=child.municipality_id, day=today)
    else:
        if child.municipality_id not in outlooks:
            outlooks[child.municipality_id] = funding_outlook(
                municipality_id=child.municipality_id, day=today
            )
        outlook = outlooks[child.municipality_id]
    if outlook is None:
        return 0, "В муниципалитете сейчас нет действующей программы финансирования."
    nominal = outlook.nominal_for_age(child.age_on(outlook.period_start))
    if nominal is None:
        return 0, "Возраст ребёнка не входит в возрастные группы программы финансирования."
    if not outlook.quota_left:
        return 0, "Лимит сертификатов персонифицированного финансирования исчерпан."
    if outlook.budget_available < nominal:
        return 0, "Средства программы персонифицированного финансирования исчерпаны."
    return nominal, "Сертификат будет выдан и пополнен при заключении договора."


@dataclass(frozen=True)
class Estimate:
    """What enrolling a child in a group today would cost and leave on the certificate: the
    offer's own figures (`offer_compute`), shown before the parent applies (kopecks)."""

    child: Child
    offer: Offer

    @property
    def per_month(self) -> int:
        return monthly_average(self.offer.total_cost, self.offer.months)

    @property
    def certificate_per_month(self) -> int:
        return monthly_average(self.offer.certificate_part, self.offer.months)

    @property
    def parent_per_month(self) -> int:
        return monthly_average(self.offer.parent_part, self.offer.months)

    @property
    def certificate_left(self) -> int:
        """What the certificate would still have for another club after this contract."""
        return self.offer.certificate_available - self.offer.certificate_part


def offer_estimates(
    *,
    group: Group,
    children: list[Child],
    today: datetime.date | None = None,
    course: CourseCost | None = None,
    certificate_money: CertificateMoney | None = None,
) -> list[Estimate]:
    """For each child of the program's age, the contract offer the child would get if
    enrolled in the group today (nothing is written; the offer's rules, and what `course`
    and `certificate_money` save, are `offer_compute`'s)."""
    today = today or timezone.localdate()
    program = group.program
    start = max(group.start_date, today)
    offered = [
        child for child in children if program.age_min <= child.age_on(start) <= program.age_max
    ]
    if certificate_money is not None and program.financing_source == FinancingSource.CERTIFICATE:
        # Every child's money at once: a page's other groups may offer other children.
        certificate_money.read(children, today)
    return [
        Estimate(
            child=child,
            offer=offer_compute(
                application=Application(child=child, group=group),
                today=today,
                course=course,
                certificate_money=certificate_money,
            ),
        )
        for child in offered
    ]
