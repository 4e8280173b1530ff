"""The cabinet's reads: a family's children with their certificates' figures, where each
application stands, and what the parent has to do next."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.certificates.models import Certificate, CertificateStatus
from kruzhok.certificates.selectors import (
    CertificateMoney,
    Operation,
    certificate_money,
    certificate_operations,
)
from kruzhok.enrollment.selectors import ChargeFacts, charges_by_transfer
from kruzhok.enrollment.timeline import Timeline, live_timelines_for_parent
from kruzhok.families.models import Child
from kruzhok.families.selectors import child_list_for_guardian


@dataclass(frozen=True)
class ChildSummary:
    """A child as the cabinet's card shows it."""

    child: Child
    age: int
    certificate: Certificate | None
    money: CertificateMoney | None
    state: str = ""  # the certificate's state in words
    available_note: str = ""  # why nothing is available, when that is so
    timelines: list[Timeline] = field(default_factory=list)

    @property
    def offers_waiting(self) -> list[Timeline]:
        return [t for t in self.timelines if t.needs_parent]


def certificate_state(*, certificate: Certificate | None, today: datetime.date | None) -> str:
    """The certificate's state in words (its type is another matter): whether money can be
    spent with it now, and until when."""
    if certificate is None:
        return ""
    if certificate.status != CertificateStatus.FUNDED:
        return "Без денег: ребёнок учтён, но сертификат не пополнен"
    if certificate.valid_to is None:
        return "Действует"
    if today is not None and certificate.valid_to < today:
        return f"Срок действия истёк {certificate.valid_to:%d.%m.%Y}"
    return f"Действует до {certificate.valid_to:%d.%m.%Y}"


def available_explanation(
    *, certificate: Certificate | None, money: CertificateMoney | None
) -> str:
    """Why nothing is available on the certificate, when that is so; else ""."""
    if certificate is None or money is None or money.available > 0:
        return ""
    if certificate.status != CertificateStatus.FUNDED:
        return certificate.accounting_reason or (
            "Сертификат учёта: денег на нём нет, кружки по нему оплачивает семья."
        )
    if money.reserved > 0:
        return (
            "Все деньги сертификата зарезервированы по заключённым договорам и спишутся за "
            "занятия по ним. На новый кружок сертификата не хватит: его оплатит семья."
        )
    return "Деньги сертификата на этот период израсходованы."


def child_summaries_for_guardian(*, user: User, today: datetime.date) -> list[ChildSummary]:
    """The user's children with their age, certificate figures and live applications' steps,
    for the cabinet."""
    children = child_list_for_guardian(user=user).select_related("certificate")
    timelines: dict[int, list[Timeline]] = {}
    for timeline in live_timelines_for_parent(user=user):
        timelines.setdefault(timeline.application.child_id, []).append(timeline)
    summaries = []
    for child in children:
        certificate = getattr(child, "certificate", None)
        money = certificate_money(certificate=certificate) if certificate else None
        summaries.append(
            ChildSummary(
                child=child,
                age=child.age_on(today),
                certificate=certificate,
                money=money,
                state=certificate_state(certificate=certificate, today=today),
                available_note=available_explanation(certificate=certificate, money=money),
                timelines=timelines.get(child.pk, []),
            )
        )
    return summaries


@dataclass(frozen=True)
class CabinetOperation:
    """A certificate operation as a parent reads it: a debit names its lesson, the lesson's
    price and what the family pays beside the certificate."""

    operation: Operation
    day: datetime.date  # the lesson's date for a debit or its reversal, else the posting date
    charge: ChargeFacts | None


def certificate_operations_for_parent(*, certificate: Certificate) -> list[CabinetOperation]:
    """Every operation of the certificate, in the order of the lessons they pay for (a
    lesson marked late sits at its own date), each debit with its lesson's split."""
    operations = certificate_operations(certificate=certificate)
    charges = charges_by_transfer(transfer_ids=[o.transfer_id for o in operations])
    rows = []
    for operation in operations:
        charge = charges.get(operation.transfer_id)
        day = charge.day if charge else timezone.localtime(operation.created_at).date()
        rows.append(CabinetOperation(operation=operation, day=day, charge=charge))
    rows.sort(key=lambda row: (row.day, row.operation.created_at, row.operation.transfer_id))
    return rows
