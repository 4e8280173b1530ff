"""A failure between any two statements of a money-moving service across apps leaves no
partial state: enrolment (contract_accept), the journal (attendance_mark), withdrawal
(contract_withdraw) and the end of a financing period (financing_period_close).

The failure is injected after every statement of a clean run in turn (see
kruzhok/certificates/tests/crash.py). After each aborted run the ledger audits clean and the
business rows are as they were — for the period's close, which commits in batches by design,
each certificate is either untouched or completely closed, in batch order, and running the
close again finishes the job with exactly the result of a clean run.
"""

import datetime
from typing import Any

import pytest

from kruzhok.attendance.services import attendance_mark
from kruzhok.billing.periods import financing_period_close
from kruzhok.certificates.models import Account, Certificate, FinancingProgram, Hold, Transfer
from kruzhok.certificates.tests.crash import (
    audit_failures,
    business_rows,
    crash_everywhere,
    nothing_changed,
    rolled_back,
)
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.tests.world import (
    MOSCOW,
    TODAY,
    application_accepted,
    child_make,
    contract_made,
)


def crash_test(run: Any, *, at_least: int) -> Any:
    crash_everywhere(run, nothing_changed(business_rows()), at_least=at_least)
    return run()


@pytest.fixture
def contract(world):
    return contract_made(world)


@pytest.fixture
def lesson_today(world):
    return world.group.lessons.get(date=TODAY)


def test_contract_accept(world):
    application = application_accepted(world)

    contract = crash_test(
        lambda: enrollment_services.contract_accept(parent=world.parent, application=application),
        at_least=20,
    )

    assert contract.hold is not None and contract.certificate.status == "funded"


def test_attendance_mark_charges_a_lesson(world, contract, lesson_today):
    mark = crash_test(
        lambda: attendance_mark(
            actor=world.teacher, lesson=lesson_today, contract=contract, present=True
        ),
        at_least=10,
    )
    assert mark.present and Transfer.objects.filter(kind="post").count() == 1


def test_attendance_unmark_reverses_the_charge(world, contract, lesson_today):
    attendance_mark(actor=world.teacher, lesson=lesson_today, contract=contract, present=True)

    crash_test(
        lambda: attendance_mark(
            actor=world.teacher, lesson=lesson_today, contract=contract, present=False
        ),
        at_least=10,
    )

    assert Transfer.objects.filter(kind="reverse").count() == 1


def test_contract_withdraw_releases_the_reserve(world, contract, lesson_today):
    attendance_mark(actor=world.teacher, lesson=lesson_today, contract=contract, present=True)

    withdrawn = crash_test(
        lambda: enrollment_services.contract_withdraw(
            actor=world.parent,
            application=contract.application,
            on=TODAY + datetime.timedelta(days=1),
            reason="Переезд",
        ),
        at_least=15,
    )

    assert withdrawn.terminated_on == TODAY + datetime.timedelta(days=1)
    assert Transfer.objects.filter(kind="void").count() == 1


# --- the period's close: several transactions, each all or nothing ----------------------------


def certificate_state(certificate_id: int) -> tuple[Any, ...]:
    """Everything the close may change about one certificate, without generated ids (so that
    runs can be compared): its fields, its account's totals, the transfers that touched it
    (by key) and its reserves."""
    certificate = Certificate.objects.get(pk=certificate_id)
    account = Account.objects.get(certificate_id=certificate_id)
    keys = sorted(
        Transfer.objects.filter(debit_account=account).values_list("idempotency_key", flat=True)
    ) + sorted(
        Transfer.objects.filter(credit_account=account).values_list("idempotency_key", flat=True)
    )
    holds = list(
        Hold.objects.filter(debit_account=account)
        .order_by("cause")
        .values_list("cause", "amount", "posted", "voided")
    )
    return (
        certificate.status,
        certificate.nominal,
        certificate.valid_from,
        certificate.accounting_reason,
        account.debits_pending,
        account.debits_posted,
        account.credits_pending,
        account.credits_posted,
        tuple(keys),
        tuple(holds),
    )


def period_state(program: FinancingProgram, certificate_ids: list[int], application_ids: list[int]):
    return {
        "certificates": [certificate_state(pk) for pk in certificate_ids],
        "applications": [Application.objects.get(pk=pk).status for pk in application_ids],
        "closed": FinancingProgram.objects.get(pk=program.pk).closed_at is not None,
        "funded_count": FinancingProgram.objects.get(pk=program.pk).funded_count,
        "budget": Account.objects.get(financing_program=program, kind="budget").credits_posted,
    }


def test_financing_period_close(world, time_machine):
    children = [world.child, child_make(world.parent), child_make(world.parent)]
    contracts = [contract_made(world, child=child) for child in children]
    lesson = world.group.lessons.get(date=TODAY)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contracts[0], present=True)
    time_machine.move_to(datetime.datetime(2027, 9, 2, 10, 0, tzinfo=MOSCOW), tick=False)
    certificate_ids = sorted(c.certificate_id for c in contracts)
    application_ids = sorted(c.application_id for c in contracts)
    program = world.financing

    def close() -> Any:
        return financing_period_close(financing_program=program, batch_size=2)

    def state():
        return period_state(program, certificate_ids, application_ids)

    before = state()
    with rolled_back():
        close()
        after = state()
    assert all(a != b for a, b in zip(after["certificates"], before["certificates"], strict=True))
    assert after["applications"] == [ApplicationStatus.FINISHED] * 3

    def check(n: int, statement: str) -> None:
        where = f"failure after statement {n} ({statement})"
        assert not audit_failures(), where
        now = state()
        done = []
        for now_, before_, after_ in zip(
            now["certificates"], before["certificates"], after["certificates"], strict=True
        ):
            assert now_ in (before_, after_), f"a certificate half-closed: {where}"
            done.append(now_ == after_)
        # Batches go in primary-key order: the closed certificates are a prefix.
        assert done == sorted(done, reverse=True), where
        for now_, before_, after_ in zip(
            now["applications"], before["applications"], after["applications"], strict=True
        ):
            assert now_ in (before_, after_), where
        if any(done):
            assert now["closed"], where
        if now["applications"] != before["applications"]:
            assert all(done), where
        assert now["funded_count"] == before["funded_count"], where
        # Running the close again finishes the job, exactly as a clean run would have.
        close()
        assert state() == after, where
        assert not audit_failures(), where

    statements = crash_everywhere(close, check, at_least=30)
    assert statements > 30
