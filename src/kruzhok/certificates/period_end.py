"""The money side of a financing period's end: open reserves released, unused balances returned
to the period's budget, certificates funded for the period set back to accounting status.

The workflow around it — refusing an early close, marking the period closed, going through the
certificates in batches, finishing the applications — is `billing.periods`, which knows the
contracts; it tells this module which reserves belong to the period's contracts through the
`period_holds` parameter, since the certificates app sits below enrolment and never reads it.

A batch is one durable transaction that locks its certificates, then the period's reserves on
them, then the accounts involved — each set in primary-key order, the order every other writer
uses (certificate, hold, accounts) — so it never deadlocks with an enrolment or an attendance
mark. The idempotency keys (`void:period:<program>:<hold>`, `expire:<program>:<certificate>`)
make each movement happen once however often a close is run again.

The close and its preview cannot disagree: both compute what happens to each certificate with
one function (`_plan`). The close runs it under its locks and then moves exactly what it says;
`period_end_preview` runs it without locks and writes nothing, for the operator to read before
pressing the button.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet, Sum

from kruzhok.accounts.models import User
from kruzhok.certificates import ledger, ledger_accounts
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    Certificate,
    CertificateStatus,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.certificates.services import PERIOD_CLOSED_REASON
from kruzhok.common.services import audit_record


def _void_key(program: FinancingProgram, hold_id: int) -> str:
    return f"void:period:{program.pk}:{hold_id}"


def _expire_key(program: FinancingProgram, certificate_id: int) -> str:
    return f"expire:{program.pk}:{certificate_id}"


@dataclass(frozen=True)
class CertificatePeriodEnd:
    """What the close of a period does to one certificate (amounts in kopecks)."""

    certificate_id: int
    available: int  # available on the certificate before the close
    holds: int  # reserves of the period's contracts released
    released: int  # what they release
    expires: int  # unused money returned to the period's budget
    to_accounting: bool  # funded for the period: set back to accounting status

    @property
    def changes(self) -> bool:
        return bool(self.holds or self.expires or self.to_accounting)


@dataclass(frozen=True)
class PeriodBatchResult:
    holds_voided: int = 0
    voided: int = 0  # kopecks released from reserves
    certificates_expired: int = 0
    expired: int = 0  # kopecks returned to the budget
    certificates_to_accounting: int = 0


def _budget_id(program: FinancingProgram) -> int | None:
    """The period's budget account, looked up without creating it (reads write nothing)."""
    return (
        Account.objects.filter(kind=AccountKind.BUDGET, financing_program=program)
        .values_list("pk", flat=True)
        .first()
    )


def period_certificates_with_money(*, financing_program: FinancingProgram) -> set[int]:
    """Certificates that may still hold the period's money: funded for it, or credited from
    its budget and not expired yet (each batch re-checks exactly, under its locks)."""
    program = financing_program
    ids = set(
        Certificate.objects.filter(
            financing_program=program, status=CertificateStatus.FUNDED
        ).values_list("pk", flat=True)
    )
    budget_id = _budget_id(program)
    if budget_id is None:
        return ids  # no budget, nothing credited from it
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
    ids |= {
        pk for pk in credited if pk is not None and _expire_key(program, pk) not in expired_keys
    }
    return ids


def period_end_preview(
    *,
    financing_program: FinancingProgram,
    certificate_ids: list[int],
    period_holds: Callable[[list[int]], list[int]],
) -> list[CertificatePeriodEnd]:
    """What `period_batch_close` would do to these certificates were it run now, one entry
    per certificate in primary-key order: the very computation of the close (`_plan`), read
    without locks, writing nothing. The close computes it again under its locks, so whatever
    changes in between (a lesson charged meanwhile) is taken as it is then."""
    program = financing_program
    hold_ids = period_holds(certificate_ids)
    holds = _holds_to_release(program, Hold.objects.filter(pk__in=hold_ids))
    return _plan(
        program,
        certificate_ids,
        hold_ids,
        holds,
        _budget_id(program),
        _accounts_of(certificate_ids),
    )


def period_batch_close(
    *,
    financing_program: FinancingProgram,
    certificate_ids: list[int],
    period_holds: Callable[[list[int]], list[int]],
    actor: User | None,
    on_done: Callable[[PeriodBatchResult], None] | None = None,
) -> PeriodBatchResult:
    """In one durable transaction: release the open reserves of the period's contracts on these
    certificates (`period_holds(certificate_ids)` names them, read under the certificates'
    locks), return each certificate's unused money to the period's budget, and set the
    certificates funded for the period back to accounting status with the reason the parent
    reads. All or nothing; a second run moves nothing (the keys). `on_done(result)` is called
    inside the transaction, so what the caller keeps of it (a close's progress) commits or
    rolls back with the money."""
    program = financing_program
    with transaction.atomic(durable=True):
        certificates = {
            c.pk: c
            for c in Certificate.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk__in=certificate_ids)
            .order_by("pk")
        }
        hold_ids = period_holds(certificate_ids)
        holds = _holds_to_release(
            program,
            Hold.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=hold_ids),
        )
        budget_id = ledger_accounts.budget_account(financing_program=program).pk
        account_by_certificate = _accounts_of(certificate_ids)
        _lock_accounts({budget_id, *account_by_certificate.values()}, holds)
        plan = _plan(program, certificate_ids, hold_ids, holds, budget_id, account_by_certificate)

        voided = 0
        for hold in holds:
            transfer = ledger.hold_void(
                hold=hold, key=_void_key(program, hold.pk), amount=hold.remaining
            )
            voided += transfer.amount if transfer else 0
        expiring = [end for end in plan if end.expires > 0]
        for end in expiring:
            ledger.transfer_expire(
                certificate=certificates[end.certificate_id],
                financing_program=program,
                amount=end.expires,
                key=_expire_key(program, end.certificate_id),
            )
        to_accounting = _back_to_accounting(
            program, [end.certificate_id for end in plan if end.to_accounting]
        )
        result = PeriodBatchResult(
            holds_voided=len(holds),
            voided=voided,
            certificates_expired=len(expiring),
            expired=sum(end.expires for end in expiring),
            certificates_to_accounting=to_accounting,
        )
        if holds or expiring or to_accounting:
            audit_record(
                actor=actor,
                action="financing_period_close_batch",
                obj=program,
                holds_voided=result.holds_voided,
                voided=result.voided,
                certificates_expired=result.certificates_expired,
                expired=result.expired,
                certificates_to_accounting=result.certificates_to_accounting,
            )
        if on_done is not None:
            on_done(result)
    return result


def _accounts_of(certificate_ids: list[int]) -> dict[int, int]:
    """certificate → its ledger account."""
    return dict(
        Account.objects.filter(certificate_id__in=certificate_ids).values_list(
            "certificate_id", "pk"
        )
    )


def _holds_to_release(program: FinancingProgram, holds: QuerySet[Hold]) -> list[Hold]:
    """Of these reserves (locked by the close, not by the preview), those with money left
    that this close has not released yet, in primary-key order."""
    found = list(holds.order_by("pk"))
    already_voided = set(
        Transfer.objects.filter(
            idempotency_key__in=[_void_key(program, h.pk) for h in found]
        ).values_list("idempotency_key", flat=True)
    )
    return [h for h in found if h.remaining > 0 and _void_key(program, h.pk) not in already_voided]


def _plan(
    program: FinancingProgram,
    certificate_ids: list[int],
    hold_ids: list[int],
    holds: list[Hold],
    budget_id: int | None,
    account_by_certificate: dict[int, int],
) -> list[CertificatePeriodEnd]:
    """What the close does to each of these certificates, before it moves anything: the
    reserves it releases (`holds`, among the period's reserves on them, `hold_ids`), what
    each certificate then gives back to the budget, and which go back to accounting status.
    The one computation behind the close and its preview."""
    released: dict[int, int] = defaultdict(int)  # account → kopecks its reserves release
    held: dict[int, int] = defaultdict(int)  # account → reserves released
    for hold in holds:
        released[hold.debit_account_id] += hold.remaining
        held[hold.debit_account_id] += 1
    available, expirations = _expirations(budget_id, account_by_certificate, hold_ids, released)
    already_expired = set(
        Transfer.objects.filter(
            idempotency_key__in=[
                _expire_key(program, pk) for pk, amount in expirations.items() if amount > 0
            ]
        ).values_list("idempotency_key", flat=True)
    )
    funded = set(
        Certificate.objects.filter(
            pk__in=certificate_ids, financing_program=program, status=CertificateStatus.FUNDED
        ).values_list("pk", flat=True)
    )
    plan = []
    for pk in sorted(certificate_ids):
        account = account_by_certificate.get(pk)
        expires = expirations.get(pk, 0)
        plan.append(
            CertificatePeriodEnd(
                certificate_id=pk,
                available=available.get(pk, 0),
                holds=held.get(account, 0) if account is not None else 0,
                released=released.get(account, 0) if account is not None else 0,
                expires=0 if _expire_key(program, pk) in already_expired else expires,
                to_accounting=pk in funded,
            )
        )
    return plan


def _back_to_accounting(program: FinancingProgram, certificate_ids: list[int]) -> int:
    """Certificates funded for the period become certificates of accounting; how many."""
    return Certificate.objects.filter(
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


def _lock_accounts(account_ids: set[int], holds: list[Hold]) -> None:
    account_ids |= {h.debit_account_id for h in holds} | {h.credit_account_id for h in holds}
    list(
        Account.objects.select_for_update(no_key=True)
        .filter(pk__in=account_ids)
        .order_by("pk")
        .values_list("pk")
    )


def _expirations(
    budget_id: int | None,
    account_by_certificate: dict[int, int],
    hold_ids: list[int],
    released: dict[int, int],
) -> tuple[dict[int, int], dict[int, int]]:
    """Per certificate (kopecks): what is available on it now, and what it gives back —
    what the period's budget put on it (net of earlier returns) minus what the period's
    contracts spent of it, but never more than is available once the reserves the close
    releases (`released`, per account) are back. Money a later period credited (or an
    earlier one left) is not this period's to take: a certificate already funded for the
    next period keeps that nominal, and a contract of the next period spends the next
    period's money."""
    accounts = list(account_by_certificate.values())
    put: dict[int, int] = defaultdict(int)  # account → net money from this period's budget
    for certificate_side, budget_side, sign in (
        ("credit_account_id", "debit_account_id", 1),  # budget → certificate
        ("debit_account_id", "credit_account_id", -1),  # certificate → budget
    ):
        if budget_id is None:
            break
        rows = (
            Transfer.objects.filter(**{f"{certificate_side}__in": accounts, budget_side: budget_id})
            .values(certificate_side)
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in rows:
            put[row[certificate_side]] += sign * row["total"]
    spent = dict(
        Hold.objects.filter(pk__in=hold_ids, debit_account_id__in=accounts)
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
    return (
        {certificate_id: available[pk] for certificate_id, pk in account_by_certificate.items()},
        {
            certificate_id: max(
                0, min(put[pk] - spent.get(pk, 0), available[pk] + released.get(pk, 0))
            )
            for certificate_id, pk in account_by_certificate.items()
        },
    )
