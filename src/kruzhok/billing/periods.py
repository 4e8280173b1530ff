"""The end of a financing period: unused money goes back to the budget, reserves are released.

`financing_period_close` is a workflow across apps: it finishes the period's applications
through the enrolment state machine, and moves the money through `certificates.period_end`, the
certificates app's door for the period's end (it owns the locks and the idempotency keys).

Why batches and not one transaction. A municipality's close touches every funded certificate
(thousands): a void per open reserve and an expiry per certificate. As one transaction it
would hold the write lock of SQLite, and on PostgreSQL the rows of every certificate account,
every provider's payable account and the budget, for as long as all of it takes; every parent
and teacher clicking meanwhile would wait (on SQLite, past the 20-second busy timeout, fail).
And the enrolment transition that finishes an application is durable — it is its own
transaction and cannot be nested in another. So the close runs in steps, each its own durable
transaction, and the whole is idempotent and resumable:

1. the program is marked closed (`closed_at`, with an audit row): from this commit on no
   certificate can be funded from it (`certificate_fund` takes its quota place with a
   conditional UPDATE on `closed_at IS NULL`, so the two serialise on the program's row);
2. certificates in batches, in primary-key order; a batch locks its certificates, then the
   reserves of their contracts of the period, then the accounts involved — each set in
   primary-key order, the order every other writer uses (certificate, hold, accounts), so a
   batch never deadlocks with an enrolment or an attendance mark — and in one transaction
   voids each open reserve, returns each certificate's unused balance to the program's
   budget (each once, by its idempotency key) and sets the
   certificates funded for the period back to accounting status with the reason the parent
   reads in the cabinet; a batch is all or nothing, per certificate too;
3. the applications of the period's contracts are finished by `enrollment.services.
   application_finish`, each in its own transaction (a contract running past the period's
   end is refused by it and reported; its reserve is released all the same).

A failure anywhere leaves whole batches done and the rest untouched; running the close again
does only what is left (the idempotency keys and the state checks make each step happen once),
and a run with nothing left changes nothing.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.certificates.models import FinancingProgram
from kruzhok.certificates.period_end import period_batch_close, period_certificates_with_money
from kruzhok.common.services import audit_record
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, ApplicationStatus, Contract

BATCH_SIZE = 200


class PeriodCloseError(Exception):
    """A refused period close; `str(error)` says in Russian why."""


@dataclass
class PeriodCloseReport:
    """What one run of the close did (a second run reports zeros and `changed` False)."""

    financing_program: FinancingProgram
    closed_now: bool = False
    holds_voided: int = 0
    voided: int = 0  # kopecks released from reserves
    certificates_expired: int = 0
    expired: int = 0  # kopecks returned to the budget
    certificates_to_accounting: int = 0
    applications_finished: int = 0
    # Applications of the period that enrolment would not finish: (application id, why).
    applications_left: list[tuple[int, str]] = field(default_factory=list)
    batches: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.closed_now
            or self.holds_voided
            or self.certificates_expired
            or self.certificates_to_accounting
            or self.applications_finished
        )


def _period_contracts(program: FinancingProgram, via: str = "") -> Q:
    """Contracts of the period (seen from a model related to them `via` a lookup path):
    paid by a certificate of the municipality and started within the period."""
    return Q(
        **{
            f"{via}certificate__municipality_id": program.municipality_id,
            f"{via}start_date__gte": program.period_start,
            f"{via}start_date__lte": program.period_end,
        }
    )


def financing_period_close(
    *,
    financing_program: FinancingProgram,
    actor: User | None = None,
    today: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> PeriodCloseReport:
    """Close a financing period once it is over: release the reserves of its contracts,
    return every certificate's unused balance to the program's budget, set certificates
    funded for it back to accounting status (the parent reads why), finish the applications
    of its contracts, and mark the program closed.

    Guarantees: refused before the period's last day has passed, or for an operator of
    another municipality; never moves a kopeck twice (idempotency keys), never leaves a
    certificate half-processed (one transaction per batch of certificates), and never
    returns money a later period credited to a certificate; idempotent and resumable after
    any failure; a run with nothing left to do changes nothing. `today` is for tests.
    """
    today = today or timezone.localdate()
    program = financing_program
    if actor is not None:
        if actor.role not in (Role.OPERATOR, Role.REGIONAL_ADMIN):
            raise PeriodCloseError("Закрыть период может только муниципальный оператор.")
        if actor.role == Role.OPERATOR and actor.municipality_id != program.municipality_id:
            raise PeriodCloseError("Закрыть период может только оператор этого муниципалитета.")
    if today <= program.period_end:
        raise PeriodCloseError(
            f"Период {program.period_start:%d.%m.%Y}–{program.period_end:%d.%m.%Y} ещё идёт: "
            f"закрыть его можно с {program.period_end + datetime.timedelta(days=1):%d.%m.%Y}."
        )
    report = PeriodCloseReport(financing_program=program)
    report.closed_now = _mark_closed(program, actor)
    program.refresh_from_db(fields=["closed_at"])
    for batch in _batches(_certificates_to_visit(program), batch_size):
        _close_batch(program, batch, report, actor)
        report.batches += 1
    _finish_applications(program, today, report)
    return report


def _mark_closed(program: FinancingProgram, actor: User | None) -> bool:
    with transaction.atomic(durable=True):
        marked = FinancingProgram.objects.filter(pk=program.pk, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        if marked:
            audit_record(actor=actor, action="financing_period_close", obj=program)
    return bool(marked)


def _certificates_to_visit(program: FinancingProgram) -> list[int]:
    """Certificates that may still have something to do (each batch re-checks exactly, under
    its locks): those holding the period's money, or with a reserve of a contract of the
    period."""
    with_reserve = Contract.objects.filter(
        _period_contracts(program), hold__isnull=False
    ).values_list("certificate_id", flat=True)
    ids = period_certificates_with_money(financing_program=program) | set(with_reserve)
    return sorted(ids)


def _batches(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _close_batch(
    program: FinancingProgram,
    certificate_ids: list[int],
    report: PeriodCloseReport,
    actor: User | None,
) -> None:
    """One durable transaction (`certificates.period_end`): the reserves of the period's
    contracts on these certificates released, their unused money returned, the certificates
    set back to accounting status."""

    def period_holds(ids: list[int]) -> list[int]:
        return list(
            Contract.objects.filter(
                _period_contracts(program), certificate_id__in=ids, hold__isnull=False
            ).values_list("hold_id", flat=True)
        )

    done = period_batch_close(
        financing_program=program,
        certificate_ids=certificate_ids,
        period_holds=period_holds,
        actor=actor,
    )
    report.holds_voided += done.holds_voided
    report.voided += done.voided
    report.certificates_expired += done.certificates_expired
    report.expired += done.expired
    report.certificates_to_accounting += done.certificates_to_accounting


def _finish_applications(
    program: FinancingProgram, today: datetime.date, report: PeriodCloseReport
) -> None:
    """Each application of the period's contracts still under contract is finished by the
    enrolment state machine, in its own transaction (it re-checks the state under its lock)."""
    ids = list(
        Application.objects.filter(
            _period_contracts(program, "contract__"),
            status__in=(ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        try:
            enrollment_services.application_finish(application=Application(pk=pk), today=today)
        except EnrollmentError as refusal:
            report.applications_left.append((pk, refusal.message))
            continue
        report.applications_finished += 1
