"""A failure between any two statements of a ledger service leaves no trace.

Each service runs as its callers run it, inside a durable transaction; the failure is
injected after every one of its statements in turn (see `crash.py`), and after each aborted
run the ledger audits clean and every business row is as it was. The clean run's outcome is
checked too, so that a test whose service did nothing could not pass. The services across
apps (enrolment, attendance, withdrawal, the period's close) are in tests/test_crash_safety.py.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from kruzhok.certificates import ledger
from kruzhok.certificates.models import CertificateStatus, Transfer
from kruzhok.certificates.tests.crash import (
    business_rows,
    crash_everywhere,
    nothing_changed,
)
from kruzhok.certificates.tests.factories import certificate_fund_now

pytestmark = pytest.mark.django_db


def durable(call: Callable[[], Any]) -> Callable[[], Any]:
    """The call as an entry point makes it: in its own durable transaction."""

    def run() -> Any:
        with transaction.atomic(durable=True):
            return call()

    return run


def crash_test(run: Callable[[], Any], *, at_least: int) -> Any:
    """Crash `run` everywhere, then run it cleanly and return its result."""
    crash_everywhere(run, nothing_changed(business_rows()), at_least=at_least)
    return run()


@pytest.fixture
def funded(program, certificate):
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=1_000_000, key="credit"
    )
    return certificate


@pytest.fixture
def hold(funded, provider):
    return ledger.hold_create(
        certificate=funded, provider=provider, amount=600_000, cause="contract:1", key="hold"
    )


def test_certificate_fund(program, certificate):
    result = crash_test(
        lambda: certificate_fund_now(certificate=certificate, financing_program=program),
        at_least=6,
    )
    assert result.status == CertificateStatus.FUNDED


def test_certificate_fund_refused_by_the_budget(municipality, certificate):
    """The refusal path gives back the quota place it took: that must not half-happen either."""
    from kruzhok.certificates.tests.factories import financing_program_make

    poor = financing_program_make(municipality=municipality, budget_cap=100)
    result = crash_test(
        lambda: certificate_fund_now(certificate=certificate, financing_program=poor),
        at_least=6,
    )
    assert result.status == CertificateStatus.ACCOUNTING and "исчерпаны" in result.accounting_reason


def test_hold_create(funded, provider):
    hold = crash_test(
        durable(
            lambda: ledger.hold_create(
                certificate=funded, provider=provider, amount=1_000, cause="c:new", key="h:new"
            )
        ),
        at_least=4,
    )
    assert hold.pk is not None and hold.remaining == 1_000


def test_hold_create_retried(hold, funded, provider):
    again = crash_test(
        durable(
            lambda: ledger.hold_create(
                certificate=funded,
                provider=provider,
                amount=600_000,
                cause="contract:1",
                key="hold",
            )
        ),
        at_least=4,
    )
    assert again.pk == hold.pk


def test_hold_post(hold):
    post = crash_test(durable(lambda: ledger.hold_post(hold=hold, amount=700, key="p")), at_least=4)
    assert post.amount == 700


def test_hold_post_refused_beyond_the_hold(hold):
    """A refusal rolls back what it wrote before refusing; crashed anywhere, nothing either."""
    before = business_rows()
    crash_everywhere(
        durable(lambda: ledger.hold_post(hold=hold, amount=600_001, key="p:big")),
        nothing_changed(before),
        at_least=3,
        expected=ledger.HoldExceeded,
    )


def test_hold_void(hold):
    void = crash_test(durable(lambda: ledger.hold_void(hold=hold, key="v")), at_least=4)
    assert void is not None and void.amount == 600_000


def test_hold_void_of_a_part(hold):
    void = crash_test(
        durable(lambda: ledger.hold_void(hold=hold, key="v", amount=1_000)), at_least=4
    )
    assert void is not None and void.amount == 1_000


def test_transfer_reverse(hold):
    post = ledger.hold_post(hold=hold, amount=700, key="p")
    reversal = crash_test(
        durable(lambda: ledger.transfer_reverse(transfer=post, key="r")), at_least=4
    )
    assert reversal.reverses_id == post.pk


def test_transfer_expire(funded, program):
    expire = crash_test(
        durable(
            lambda: ledger.transfer_expire(
                certificate=funded, financing_program=program, amount=5_000, key="e"
            )
        ),
        at_least=4,
    )
    assert expire.amount == 5_000


def test_transfer_pay(hold, provider):
    ledger.hold_post(hold=hold, amount=700, key="p")
    pay = crash_test(
        durable(lambda: ledger.transfer_pay(provider=provider, amount=700, key="pay")),
        at_least=4,
    )
    assert pay.amount == 700
    assert Transfer.objects.filter(idempotency_key="pay").count() == 1


# --- the harness can fail ----------------------------------------------------------------------


def test_the_harness_catches_a_service_that_moves_money_in_two_transactions(hold, provider):
    def two_steps() -> None:
        with transaction.atomic(durable=True):
            ledger.hold_post(hold=hold, amount=100, key="p:1")
        with transaction.atomic(durable=True):
            ledger.transfer_pay(provider=provider, amount=100, key="pay:1")

    with pytest.raises(AssertionError, match="partial state"):
        crash_everywhere(two_steps, nothing_changed(business_rows()))


def test_the_harness_catches_a_service_that_swallows_a_failure(hold):
    def careless() -> None:
        with transaction.atomic(durable=True):
            try:
                with transaction.atomic():
                    ledger.hold_post(hold=hold, amount=100, key="p:1")
            except Exception:
                return  # "it will be retried": the caller is told it went through

    with pytest.raises(AssertionError, match="success reported"):
        crash_everywhere(careless, nothing_changed(business_rows()))
