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

1. the close's record (`PeriodClosure`, one per program) is created and the program marked
   closed (`closed_at`, with an audit row) in one transaction: from this commit on no
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

How it is started and watched. The operator's button (`financing_period_close_start`) does
step 1 and hands the rest to the tasks worker (`billing.tasks`); a second press joins the close
under way. The console (`financing_period_close`) does step 1 too, or joins the close already
started, and runs the rest itself. Each batch adds its figures and its progress to the close's
record inside its own transaction, so what the operator's page shows is what has moved.

What the close visits and which reserves and applications are the period's is read by the
functions below, which the preview (`billing.period_reads.period_close_preview`) reads through
too: the preview asks `certificates.period_end` for the same plan the close carries out.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Least
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.models import PeriodClosure, PeriodClosureStatus
from kruzhok.certificates.models import FinancingProgram
from kruzhok.certificates.period_end import (
    PeriodBatchResult,
    period_batch_close,
    period_certificates_with_money,
)
from kruzhok.common.services import audit_record
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, ApplicationStatus, Contract

BATCH_SIZE = 200

Progress = Callable[[int, int], None]


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


# What the close visits (read by the preview too) ------------------------------------------------


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


def period_certificate_ids(*, financing_program: FinancingProgram) -> list[int]:
    """Certificates the close visits, in primary-key order: those that may still have
    something to do (each batch re-checks exactly, under its locks) — holding the period's
    money, or with a reserve of a contract of the period."""
    program = financing_program
    with_reserve = Contract.objects.filter(
        _period_contracts(program), hold__isnull=False
    ).values_list("certificate_id", flat=True)
    ids = period_certificates_with_money(financing_program=program) | set(with_reserve)
    return sorted(ids)


def period_holds(financing_program: FinancingProgram) -> Callable[[list[int]], list[int]]:
    """What `certificates.period_end` asks for: the reserves of the period's contracts on
    some certificates (that app sits below enrolment and never reads contracts)."""

    def holds_of(certificate_ids: list[int]) -> list[int]:
        return list(
            Contract.objects.filter(
                _period_contracts(financing_program),
                certificate_id__in=certificate_ids,
                hold__isnull=False,
            ).values_list("hold_id", flat=True)
        )

    return holds_of


def period_applications(*, financing_program: FinancingProgram) -> QuerySet[Application]:
    """Applications of the period's contracts still under contract: the close finishes
    each, unless its contract runs on (`application_finish` refuses it until its last day is
    over, and the daily `enrollment_tick` finishes it then)."""
    return Application.objects.filter(
        _period_contracts(financing_program, "contract__"),
        status__in=(ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE),
    )


def batches(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# Starting the close -----------------------------------------------------------------------------


def _period(program: FinancingProgram) -> str:
    return f"{program.period_start:%d.%m.%Y}–{program.period_end:%d.%m.%Y}"


def _check_may_close(program: FinancingProgram, actor: User | None, today: datetime.date) -> None:
    if actor is not None:
        if actor.role not in (Role.OPERATOR, Role.REGIONAL_ADMIN):
            raise PeriodCloseError("Закрыть период может только муниципальный оператор.")
        if actor.role == Role.OPERATOR and actor.municipality_id != program.municipality_id:
            raise PeriodCloseError("Закрыть период может только оператор этого муниципалитета.")
    if today <= program.period_end:
        raise PeriodCloseError(
            f"Период {_period(program)} ещё идёт: "
            f"закрыть его можно с {program.period_end + datetime.timedelta(days=1):%d.%m.%Y}."
        )


def financing_period_close_start(
    *,
    financing_program: FinancingProgram,
    actor: User | None,
    today: datetime.date | None = None,
    in_background: bool = True,
) -> PeriodClosure:
    """Start closing a period (the operator's button): create the close's record and mark the
    period closed, from which moment nothing is funded from it, and hand the rest to the
    worker (`in_background`); a close under way is returned as it is, so a second press
    joins the first.

    Refused for a period that is not over, a period already closed, or a person who is not
    an operator of the municipality (or a regional administrator); `actor` None is the
    server's console.
    """
    today = today or timezone.localdate()
    closure, _ = _closure_open(financing_program, actor, today, in_background=in_background)
    if closure.status == PeriodClosureStatus.CLOSED:
        raise PeriodCloseError(f"Период {_period(financing_program)} уже закрыт.")
    return closure


def _closure_open(
    program: FinancingProgram, actor: User | None, today: datetime.date, *, in_background: bool
) -> tuple[PeriodClosure, bool]:
    """The close's record, created now (with the program marked closed) or found as it is;
    and whether this call marked the program closed."""
    _check_may_close(program, actor, today)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                closure = PeriodClosure.objects.create(
                    financing_program=program,
                    started_by=actor,
                    status=PeriodClosureStatus.RUNNING,
                )
        except IntegrityError:
            return PeriodClosure.objects.get(financing_program=program), False
        audit_record(
            actor=actor,
            action="period_close_status",
            obj=closure,
            status_from="",
            status_to=PeriodClosureStatus.RUNNING,
        )
        closed_now = bool(
            FinancingProgram.objects.filter(pk=program.pk, closed_at__isnull=True).update(
                closed_at=timezone.now()
            )
        )
        if closed_now:
            audit_record(actor=actor, action="financing_period_close", obj=program)
        if in_background:
            closure_id = closure.pk
            transaction.on_commit(lambda: _enqueue(closure_id))
    program.refresh_from_db(fields=["closed_at"])
    return closure, closed_now


def _enqueue(closure_id: int) -> None:
    from kruzhok.billing.tasks import period_close_task  # the task module imports this one

    period_close_task.enqueue(closure_id=closure_id)


# Running it -------------------------------------------------------------------------------------


def financing_period_close(
    *,
    financing_program: FinancingProgram,
    actor: User | None = None,
    today: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> PeriodCloseReport:
    """Close a financing period once it is over, here and now (the console, tests): release
    the reserves of its contracts, return every certificate's unused balance to the
    program's budget, set certificates funded for it back to accounting status (the parent
    reads why), finish the applications of its contracts, and mark the program closed. A
    close started from the operator's page is joined and finished.

    Guarantees: refused before the period's last day has passed, or for an operator of
    another municipality; never moves a kopeck twice (idempotency keys), never leaves a
    certificate half-processed (one transaction per batch of certificates), and never
    returns money a later period credited to a certificate; idempotent and resumable after
    any failure; a run with nothing left to do changes nothing. `today` is for tests.
    """
    today = today or timezone.localdate()
    closure, closed_now = _closure_open(financing_program, actor, today, in_background=False)
    report = _run(closure, actor, today, batch_size, progress)
    report.closed_now = closed_now
    return report


def financing_period_close_run(
    *,
    closure_id: int,
    today: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> PeriodCloseReport:
    """Do what is left of a close that was started (the worker): the certificates in
    batches, then the applications, then mark the close done. Idempotent and resumable."""
    closure = PeriodClosure.objects.select_related("started_by").get(pk=closure_id)
    return _run(closure, closure.started_by, today or timezone.localdate(), batch_size, progress)


def _run(
    closure: PeriodClosure,
    actor: User | None,
    today: datetime.date,
    batch_size: int,
    progress: Progress | None,
) -> PeriodCloseReport:
    """Steps 2 and 3 of the module's docstring. This run's progress is kept on the close
    (`progress(done, total)` is told it too, certificates and applications together) after
    each batch of certificates and each application."""
    program = FinancingProgram.objects.select_related("municipality").get(
        pk=closure.financing_program_id
    )
    report = PeriodCloseReport(financing_program=program)
    certificate_ids = period_certificate_ids(financing_program=program)
    application_ids = list(
        period_applications(financing_program=program).order_by("pk").values_list("pk", flat=True)
    )
    PeriodClosure.objects.filter(pk=closure.pk).update(
        certificates_total=len(certificate_ids),
        certificates_done=0,
        applications_total=len(application_ids),
        applications_done=0,
    )
    _tell(progress, closure)
    for batch in batches(certificate_ids, batch_size):
        _close_batch(program, closure, batch, report, actor)
        report.batches += 1
        _tell(progress, closure)
    for pk in application_ids:
        _finish_application(closure, pk, today, report)
        _tell(progress, closure)
    with transaction.atomic(durable=True):
        finished = PeriodClosure.objects.filter(
            pk=closure.pk, status=PeriodClosureStatus.RUNNING
        ).update(status=PeriodClosureStatus.CLOSED, finished_at=timezone.now())
        PeriodClosure.objects.filter(pk=closure.pk).update(
            applications_left=len(report.applications_left)
        )
        if finished:
            audit_record(
                actor=None,
                action="period_close_status",
                obj=closure,
                status_from=PeriodClosureStatus.RUNNING,
                status_to=PeriodClosureStatus.CLOSED,
            )
    closure.refresh_from_db()
    return report


def _tell(progress: Progress | None, closure: PeriodClosure) -> None:
    if progress is None:
        return
    closure.refresh_from_db(
        fields=[
            "certificates_done",
            "certificates_total",
            "applications_done",
            "applications_total",
        ]
    )
    progress(
        closure.certificates_done + closure.applications_done,
        closure.certificates_total + closure.applications_total,
    )


def _close_batch(
    program: FinancingProgram,
    closure: PeriodClosure,
    certificate_ids: list[int],
    report: PeriodCloseReport,
    actor: User | None,
) -> None:
    """One durable transaction (`certificates.period_end`): the reserves of the period's
    contracts on these certificates released, their unused money returned, the certificates
    set back to accounting status, and the close's record told so."""

    def keep(result: PeriodBatchResult) -> None:
        # Least: a second run going at the same time (the console beside the worker) has
        # reset this run's totals; its progress is approximate then, never past the total.
        PeriodClosure.objects.filter(pk=closure.pk).update(
            certificates_done=Least(
                F("certificates_done") + len(certificate_ids), F("certificates_total")
            ),
            holds_voided=F("holds_voided") + result.holds_voided,
            voided=F("voided") + result.voided,
            certificates_expired=F("certificates_expired") + result.certificates_expired,
            expired=F("expired") + result.expired,
            certificates_to_accounting=F("certificates_to_accounting")
            + result.certificates_to_accounting,
        )

    done = period_batch_close(
        financing_program=program,
        certificate_ids=certificate_ids,
        period_holds=period_holds(program),
        actor=actor,
        on_done=keep,
    )
    report.holds_voided += done.holds_voided
    report.voided += done.voided
    report.certificates_expired += done.certificates_expired
    report.expired += done.expired
    report.certificates_to_accounting += done.certificates_to_accounting


def _finish_application(
    closure: PeriodClosure, pk: int, today: datetime.date, report: PeriodCloseReport
) -> None:
    """The enrolment state machine finishes the application in its own transaction (it
    re-checks the state under its lock); the close's record counts it right after."""
    finished = 0
    try:
        enrollment_services.application_finish(application=Application(pk=pk), today=today)
        finished = 1
    except EnrollmentError as refusal:
        report.applications_left.append((pk, refusal.message))
    report.applications_finished += finished
    PeriodClosure.objects.filter(pk=closure.pk).update(
        applications_done=Least(F("applications_done") + 1, F("applications_total")),
        applications_finished=F("applications_finished") + finished,
    )
