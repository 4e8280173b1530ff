"""The end of a financing period: unused money goes back to the budget, reserves are released.

`financing_period_close` is its own module, not a part of `services`, because it is a workflow
across apps (like billing's month close): it finishes the period's applications through the
enrolment state machine, and `enrollment.services` itself imports `certificates.services`.

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
   voids each open reserve (key `void:period:<program>:<hold>`), returns each certificate's
   unused balance to the program's budget (key `expire:<program>:<certificate>`) and sets the
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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.certificates import ledger
from kruzhok.certificates.models import (
    Account,
    Certificate,
    CertificateStatus,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.certificates.services import PERIOD_CLOSED_REASON
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


def void_key(program: FinancingProgram, hold_id: int) -> str:
    return f"void:period:{program.pk}:{hold_id}"


def expire_key(program: FinancingProgram, certificate_id: int) -> str:
    return f"expire:{program.pk}:{certificate_id}"


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
    """Certificates that may still have something to do (each batch re-checks exactly,
    under its locks): funded for the period, credited from its budget and not expired yet,
    or with an open reserve of a contract of the period."""
    funded = Certificate.objects.filter(
        financing_program=program, status=CertificateStatus.FUNDED
    ).values_list("pk", flat=True)
    budget_id = ledger.budget_account(financing_program=program).pk
    expired_keys = set(
        Transfer.objects.filter(
            kind=TransferKind.EXPIRE,
            credit_account_id=budget_id,
            idempotency_key__startswith=f"expire:{program.pk}:",
        ).values_list("idempotency_key", flat=True)
    )
    credited = (
        Transfer.objects.filter(kind=TransferKind.CREDIT, debit_account_id=budget_id)
        .values_list("credit_account__certificate_id", flat=True)
        .distinct()
    )
    with_reserve = Contract.objects.filter(
        _period_contracts(program), hold__isnull=False
    ).values_list("certificate_id", flat=True)
    ids = set(funded) | set(with_reserve)
    ids |= {pk for pk in credited if pk is not None and expire_key(program, pk) not in expired_keys}
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
    """One durable transaction: void the open reserves of the period's contracts of these
    certificates, expire their unused balances, set them back to accounting status."""
    with transaction.atomic(durable=True):
        certificates = list(
            Certificate.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk__in=certificate_ids)
            .order_by("pk")
        )
        holds = [
            hold
            for hold in Hold.objects.select_for_update(no_key=True, of=("self",))
            .filter(_period_contracts(program, "contract__"))
            .filter(contract__certificate_id__in=certificate_ids)
            .order_by("pk")
            if hold.remaining > 0
        ]
        already_voided = set(
            Transfer.objects.filter(
                idempotency_key__in=[void_key(program, h.pk) for h in holds]
            ).values_list("idempotency_key", flat=True)
        )
        holds = [h for h in holds if void_key(program, h.pk) not in already_voided]
        budget_id = ledger.budget_account(financing_program=program).pk
        account_by_certificate = dict(
            Account.objects.filter(certificate_id__in=certificate_ids).values_list(
                "certificate_id", "pk"
            )
        )
        account_ids = {budget_id, *account_by_certificate.values()}
        account_ids |= {h.debit_account_id for h in holds} | {h.credit_account_id for h in holds}
        list(
            Account.objects.select_for_update(no_key=True)
            .filter(pk__in=account_ids)
            .order_by("pk")
            .values_list("pk")
        )

        voided = 0
        for hold in holds:
            transfer = ledger.hold_void(
                hold=hold, key=void_key(program, hold.pk), amount=hold.remaining
            )
            voided += transfer.amount if transfer else 0
        expirations = _expirations(program, budget_id, account_by_certificate)
        expired_keys = set(
            Transfer.objects.filter(
                idempotency_key__in=[expire_key(program, pk) for pk in expirations]
            ).values_list("idempotency_key", flat=True)
        )
        expired = expired_count = 0
        for certificate in certificates:
            amount = expirations.get(certificate.pk, 0)
            key = expire_key(program, certificate.pk)
            if amount > 0 and key not in expired_keys:
                ledger.transfer_expire(
                    certificate=certificate, financing_program=program, amount=amount, key=key
                )
                expired += amount
                expired_count += 1
        to_accounting = Certificate.objects.filter(
            pk__in=certificate_ids,
            financing_program=program,
            status=CertificateStatus.FUNDED,
        ).update(
            status=CertificateStatus.ACCOUNTING,
            nominal=0,
            valid_from=None,
            valid_to=None,
            accounting_reason=PERIOD_CLOSED_REASON.format(program=program),
        )
        if holds or expired_count or to_accounting:
            audit_record(
                actor=actor,
                action="financing_period_close_batch",
                obj=program,
                holds_voided=len(holds),
                voided=voided,
                certificates_expired=expired_count,
                expired=expired,
                certificates_to_accounting=to_accounting,
            )
    report.holds_voided += len(holds)
    report.voided += voided
    report.certificates_expired += expired_count
    report.expired += expired
    report.certificates_to_accounting += to_accounting


def _expirations(
    program: FinancingProgram, budget_id: int, account_by_certificate: dict[int, int]
) -> dict[int, int]:
    """What each certificate gives back (kopecks): what the period's budget put on it (net of
    earlier returns) minus what the period's contracts spent of it, but never more than is
    available on it. Money a later period credited (or an earlier one left) is not this
    period's to take: a certificate already funded for the next period keeps that nominal,
    and a contract of the next period spends the next period's money."""
    accounts = list(account_by_certificate.values())
    put: dict[int, int] = defaultdict(int)  # account → net money from this period's budget
    for certificate_side, budget_side, sign in (
        ("credit_account_id", "debit_account_id", 1),  # budget → certificate
        ("debit_account_id", "credit_account_id", -1),  # certificate → budget
    ):
        rows = (
            Transfer.objects.filter(**{f"{certificate_side}__in": accounts, budget_side: budget_id})
            .values(certificate_side)
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in rows:
            put[row[certificate_side]] += sign * row["total"]
    spent = dict(
        Hold.objects.filter(_period_contracts(program, "contract__"))
        .filter(debit_account_id__in=accounts)
        .values("debit_account_id")
        .annotate(total=Sum("posted"))
        .order_by()
        .values_list("debit_account_id", "total")
    )
    available = {
        pk: credits - debits - pending
        for pk, credits, debits, pending in Account.objects.filter(pk__in=accounts).values_list(
            "pk", "credits_posted", "debits_posted", "debits_pending"
        )
    }
    return {
        certificate_id: max(0, min(put[pk] - spent.get(pk, 0), available[pk]))
        for certificate_id, pk in account_by_certificate.items()
    }


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
