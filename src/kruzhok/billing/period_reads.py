"""What the operator's page of financing periods reads: where each period stands, and the
preview of a period's close — the certificates it would visit and the applications it would
finish — without changing anything. The close itself is `billing.periods`."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.billing.models import PeriodClosure, PeriodClosureStatus
from kruzhok.billing.periods import (
    BATCH_SIZE,
    batches,
    period_applications,
    period_certificate_ids,
    period_holds,
)
from kruzhok.billing.selectors import operator_municipality_ids
from kruzhok.certificates.models import Certificate, FinancingProgram
from kruzhok.certificates.period_end import CertificatePeriodEnd, period_end_preview


class PeriodState(models.TextChoices):
    RUNNING = "running", "идёт"
    OVER = "over", "закончился, не закрыт"
    CLOSING = "closing", "идёт закрытие"
    CLOSED = "closed", "закрыт"


def period_state(
    *, program: FinancingProgram, closure: PeriodClosure | None, today: datetime.date
) -> PeriodState:
    """Where a financing period stands. A program closed from the console before closes had
    a record (`closed_at` without one) counts as closed."""
    if closure is not None:
        if closure.status == PeriodClosureStatus.RUNNING:
            return PeriodState.CLOSING
        return PeriodState.CLOSED
    if program.closed_at is not None:
        return PeriodState.CLOSED
    return PeriodState.OVER if today > program.period_end else PeriodState.RUNNING


@dataclass(frozen=True)
class PeriodRow:
    """One financing program of a municipality on the operator's page."""

    program: FinancingProgram
    closure: PeriodClosure | None
    state: PeriodState


def period_rows(*, municipality_id: int, today: datetime.date) -> list[PeriodRow]:
    """The municipality's financing programs, newest period first, with their closes."""
    programs = list(
        FinancingProgram.objects.filter(municipality_id=municipality_id).order_by("-period_start")
    )
    closures = {
        c.financing_program_id: c
        for c in PeriodClosure.objects.filter(financing_program__in=programs).select_related(
            "started_by"
        )
    }
    return [
        PeriodRow(
            program=program,
            closure=closures.get(program.pk),
            state=period_state(program=program, closure=closures.get(program.pk), today=today),
        )
        for program in programs
    ]


def financing_program_for_operator(*, user: User, pk: int) -> FinancingProgram:
    """A financing program the user may close, or Http404 (another municipality's does not
    exist for them)."""
    return get_object_or_404(
        FinancingProgram.objects.select_related("municipality"),
        pk=pk,
        municipality_id__in=operator_municipality_ids(user=user),
    )


def period_closure_get(*, financing_program: FinancingProgram) -> PeriodClosure | None:
    return (
        PeriodClosure.objects.filter(financing_program=financing_program)
        .select_related("started_by")
        .first()
    )


@dataclass(frozen=True)
class PeriodPreview:
    """What closing a period would do if it ran now (amounts in kopecks): the municipality's
    totals, and each certificate the close changes, in the order of their numbers."""

    financing_program: FinancingProgram
    certificates: list[CertificatePeriodEnd]
    applications_to_finish: int
    applications_running_on: int  # contract not over on the day: left to `enrollment_tick`

    @property
    def holds(self) -> int:
        return sum(c.holds for c in self.certificates)

    @property
    def released(self) -> int:
        return sum(c.released for c in self.certificates)

    @property
    def certificates_expiring(self) -> int:
        return sum(1 for c in self.certificates if c.expires)

    @property
    def expires(self) -> int:
        return sum(c.expires for c in self.certificates)

    @property
    def certificates_to_accounting(self) -> int:
        return sum(1 for c in self.certificates if c.to_accounting)


def period_close_preview(
    *, financing_program: FinancingProgram, today: datetime.date | None = None
) -> PeriodPreview:
    """Preview a period's close without changing anything: the certificates it would visit,
    in its batches, each planned by `certificates.period_end` exactly as the close plans it,
    and the applications it would finish. Figures are as of now; the close computes them
    again under its locks when it runs."""
    today = today or timezone.localdate()
    program = financing_program
    holds_of = period_holds(program)
    changed: list[CertificatePeriodEnd] = []
    numbers: dict[int, str] = {}
    for batch in batches(period_certificate_ids(financing_program=program), BATCH_SIZE):
        plan = [
            end
            for end in period_end_preview(
                financing_program=program, certificate_ids=batch, period_holds=holds_of
            )
            if end.changes
        ]
        numbers.update(
            Certificate.objects.filter(pk__in=[end.certificate_id for end in plan]).values_list(
                "pk", "number"
            )
        )
        changed.extend(plan)
    applications = period_applications(financing_program=program)
    return PeriodPreview(
        financing_program=program,
        certificates=sorted(changed, key=lambda end: numbers[end.certificate_id]),
        applications_to_finish=applications.filter(contract__end_date__lt=today).count(),
        applications_running_on=applications.filter(contract__end_date__gte=today).count(),
    )


@dataclass(frozen=True)
class PeriodPreviewRow:
    """A certificate in the preview's list: the child by initials only."""

    number: str
    child: str
    available: int
    expires: int
    released: int


def period_preview_rows(*, entries: Iterable[CertificatePeriodEnd]) -> list[PeriodPreviewRow]:
    """The rows of one page of the preview's list: only that page's certificates and
    children are read, however many thousands the preview holds."""
    entries = list(entries)
    certificates = Certificate.objects.select_related("child").only(
        "number", "child__last_name", "child__first_name", "child__patronymic"
    )
    by_pk = {c.pk: c for c in certificates.filter(pk__in=[e.certificate_id for e in entries])}
    return [
        PeriodPreviewRow(
            number=by_pk[e.certificate_id].number_display,
            child=by_pk[e.certificate_id].child.initials_name,
            available=e.available,
            expires=e.expires,
            released=e.released,
        )
        for e in entries
    ]
