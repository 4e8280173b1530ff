"""Concurrent callers on PostgreSQL, with real threads and connections (at least 16 at once).

Three scenarios: one hot certificate (every caller on the same accounts and hold), many
certificates (transfers crossing in both directions between shared accounts), and the end of
a period racing with the journal and with funding. Plus retries and reversals racing.
"""

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from kruzhok.billing.periods import financing_period_close
from kruzhok.certificates import ledger, ledger_accounts, services
from kruzhok.certificates.models import (
    Account,
    Certificate,
    CertificateStatus,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.certificates.tests.crash import audit_failures
from kruzhok.certificates.tests.factories import (
    NOMINAL_YOUNG,
    ChildFactory,
    ProviderFactory,
    certificate_fund_now,
    financing_program_make,
)
from kruzhok.enrollment.tests.world import MOSCOW, child_make, contract_made, world_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def durably(call: Callable[[], Any]) -> Any:
    """Run a call as an entry point of its own, as the services that move money do."""
    with transaction.atomic(durable=True):
        return call()


def run_together(calls: list[Callable[[], Any]], *, entry_points: bool = True) -> list[Any]:
    """Run the calls at once from threads; each in a durable transaction of its own, unless
    the calls are entry points themselves (`entry_points=False`)."""
    """Run the calls in threads released at once; results (or exceptions) in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = durably(call) if entry_points else call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_issue_for_one_child_gives_one_certificate():
    child = ChildFactory()
    results = run_together([lambda: services.certificate_issue(child=child)] * 16)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1


def test_concurrent_funding_of_one_certificate_takes_one_quota_place():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    results = run_together(
        [lambda: services.certificate_fund(certificate=certificate, financing_program=program)] * 16
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    program.refresh_from_db()
    assert program.funded_count == 1
    assert ledger_accounts.certificate_account(certificate=certificate).balance == NOMINAL_YOUNG


def test_hot_certificate_posts_never_exceed_the_hold():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    certificate_fund_now(certificate=certificate, financing_program=program)
    provider = ProviderFactory(municipality=program.municipality)
    hold = durably(
        lambda: ledger.hold_create(
            certificate=certificate, provider=provider, amount=10_000, cause="c", key="h"
        )
    )
    # 24 posts of 3 000 kopecks against a 10 000 hold: exactly three can succeed.
    results = run_together(
        [
            (lambda i=i: ledger.hold_post(hold=hold, amount=3_000, key=f"post:{i}"))
            for i in range(24)
        ]
    )
    succeeded = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, ledger.HoldExceeded)]
    assert (len(succeeded), len(refused)) == (3, 21), results
    hold.refresh_from_db()
    assert hold.posted == 9_000
    account = Account.objects.get(certificate=certificate)
    assert (account.debits_posted, account.debits_pending) == (9_000, 1_000)
    assert audit_failures() == []


def test_hot_certificate_reserves_never_exceed_what_is_available():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    durably(
        lambda: ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=100_000, key="credit"
        )
    )
    providers = [ProviderFactory(municipality=program.municipality) for _ in range(4)]
    # 20 contracts of 30 000 against 100 000 available: exactly three reserve.
    results = run_together(
        [
            (
                lambda i=i: ledger.hold_create(
                    certificate=certificate,
                    provider=providers[i % 4],
                    amount=30_000,
                    cause=f"contract:{i}",
                    key=f"hold:{i}",
                )
            )
            for i in range(20)
        ]
    )
    held = [r for r in results if isinstance(r, Hold)]
    refused = [r for r in results if isinstance(r, ledger.InsufficientFunds)]
    assert (len(held), len(refused)) == (3, 17), results
    account = Account.objects.get(certificate=certificate)
    assert (account.debits_pending, account.available) == (90_000, 10_000)
    assert Hold.objects.count() == 3  # a refused reserve leaves no hold behind
    assert audit_failures() == []


def test_concurrent_retries_with_one_key_move_money_once():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    provider = ProviderFactory(municipality=program.municipality)
    durably(
        lambda: ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=50_000, key="credit"
        )
    )
    results = run_together(
        [
            lambda: ledger.hold_create(
                certificate=certificate, provider=provider, amount=20_000, cause="c", key="h"
            )
        ]
        * 16
    )
    assert all(isinstance(r, Hold) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Transfer.objects.filter(kind=TransferKind.HOLD).count() == 1
    assert Account.objects.get(certificate=certificate).debits_pending == 20_000


def test_concurrent_retries_of_one_post_move_money_once():
    """The INSERT of the key decides: the losers wait for the winner's commit, insert
    nothing, and return the winner's transfer."""
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    provider = ProviderFactory(municipality=program.municipality)
    with transaction.atomic(durable=True):
        ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=50_000, key="credit"
        )
        hold = ledger.hold_create(
            certificate=certificate, provider=provider, amount=20_000, cause="c", key="h"
        )
    results = run_together([lambda: ledger.hold_post(hold=hold, amount=700, key="lesson:1")] * 16)
    assert all(isinstance(r, Transfer) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Account.objects.get(certificate=certificate).debits_posted == 700
    assert audit_failures() == []


def test_many_certificates_transfers_in_both_directions_do_not_deadlock():
    program = financing_program_make()
    municipality = program.municipality
    certificates = [
        services.certificate_issue(child=ChildFactory(municipality=municipality)) for _ in range(6)
    ]
    providers = [ProviderFactory(municipality=municipality) for _ in range(2)]
    with transaction.atomic(durable=True):
        for c in certificates:
            ledger.transfer_credit(
                financing_program=program, certificate=c, amount=100_000, key=f"{c.pk}"
            )
        holds = [
            ledger.hold_create(
                certificate=c,
                provider=providers[n % 2],
                amount=50_000,
                cause=f"c{c.pk}",
                key=f"h{c.pk}",
            )
            for n, c in enumerate(certificates)
        ]
        seed = ledger.hold_post(hold=holds[0], amount=1_000, key="seed")
        # Enough owed to both providers that payments and the reversal never run short.
        ledger.hold_post(hold=holds[2], amount=5_000, key="seed:2")
        ledger.hold_post(hold=holds[1], amount=5_000, key="seed:1")
    # Posts lock certificate → payable; expiries certificate → budget; payments payable →
    # paid; a reversal payable → certificate: every pair of shared rows is crossed.
    calls: list[Callable[[], Any]] = []
    for i in range(8):
        hold = holds[i % len(holds)]
        calls.append(lambda i=i, hold=hold: ledger.hold_post(hold=hold, amount=100, key=f"p{i}"))
        calls.append(
            lambda i=i: ledger.transfer_expire(
                certificate=certificates[i % len(certificates)],
                financing_program=program,
                amount=10,
                key=f"e{i}",
            )
        )
        calls.append(
            lambda i=i: ledger.transfer_pay(provider=providers[i % 2], amount=10, key=f"pay{i}")
        )
    calls.append(lambda: ledger.transfer_reverse(transfer=seed, key="r:seed"))
    results = run_together(calls)
    assert len(calls) >= 16
    assert all(isinstance(r, Transfer) for r in results), results
    assert audit_failures() == []


def test_concurrent_reversals_under_different_keys_reverse_once():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    credit = durably(
        lambda: ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=50_000, key="credit"
        )
    )
    results = run_together(
        [(lambda i=i: ledger.transfer_reverse(transfer=credit, key=f"r{i}")) for i in range(16)]
    )
    reversals = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if type(r) is ledger.LedgerError]
    assert (len(reversals), len(refused)) == (1, 15), results
    assert all("уже сторнирована" in str(r) for r in refused)
    assert Account.objects.get(certificate=certificate).credits_posted == 0


def test_period_close_racing_with_the_journal_and_with_funding(frozen_now, time_machine):
    """One thread closes the period (in batches of two) while 16 post lessons on its
    contracts' reserves and 4 fund new certificates from it. Whatever the interleaving:
    no deadlock, nothing funded from the period is left funded or holding its money, the
    budget gets back exactly what was not spent, and a second close changes nothing."""
    world = world_make()
    children = [world.child, *(child_make(world.parent) for _ in range(5))]
    contracts = [contract_made(world, child=child) for child in children]
    late = [services.certificate_issue(child=child_make(world.parent)) for _ in range(4)]
    time_machine.move_to(datetime.datetime(2027, 9, 2, 10, 0, tzinfo=MOSCOW), tick=False)
    program = world.financing
    cap = ledger_accounts.budget_account(financing_program=program).credits_posted

    calls: list[Callable[[], Any]] = [
        lambda: financing_period_close(financing_program=program, batch_size=2)
    ]
    for i in range(16):
        hold = contracts[i % len(contracts)].hold
        calls.append(
            lambda i=i, hold=hold: durably(
                lambda: ledger.hold_post(hold=hold, amount=100, key=f"p{i}")
            )
        )
    for certificate in late:
        calls.append(
            lambda certificate=certificate: certificate_fund_now(
                certificate=certificate, financing_program=program
            )
        )
    results = run_together(calls, entry_points=False)

    unexpected = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ledger.HoldExceeded) for r in unexpected), results
    assert not financing_period_close(financing_program=program, batch_size=2).changed
    assert not Certificate.objects.filter(
        financing_program=program, status=CertificateStatus.FUNDED
    ).exists()
    assert all(hold.remaining == 0 for hold in Hold.objects.all())
    assert all(
        Account.objects.get(certificate_id=c.certificate_id).available == 0 for c in contracts
    )
    spent = sum(Hold.objects.values_list("posted", flat=True))
    budget = ledger_accounts.budget_account(financing_program=program)
    assert budget.balance == cap - spent
    assert audit_failures() == []
