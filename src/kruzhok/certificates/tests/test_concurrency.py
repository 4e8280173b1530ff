"""Concurrent callers on PostgreSQL, with real threads and connections."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kruzhok.certificates import ledger, services
from kruzhok.certificates.models import Account, Hold, Transfer, TransferKind
from kruzhok.certificates.tests.factories import (
    NOMINAL_YOUNG,
    ChildFactory,
    ProviderFactory,
    financing_program_make,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at once; results (or exceptions) in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
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
    results = run_together([lambda: services.certificate_issue(child=child)] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.pk for r in results}) == 1


def test_concurrent_funding_of_one_certificate_takes_one_quota_place():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    results = run_together(
        [lambda: services.certificate_fund(certificate=certificate, financing_program=program)] * 4
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    program.refresh_from_db()
    assert program.funded_count == 1
    assert ledger.certificate_account(certificate=certificate).balance == NOMINAL_YOUNG


def test_concurrent_posts_never_exceed_the_hold():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    services.certificate_fund(certificate=certificate, financing_program=program)
    provider = ProviderFactory(municipality=program.municipality)
    hold = ledger.hold_create(
        certificate=certificate, provider=provider, amount=10_000, cause="c", key="h"
    )
    # Eight posts of 3 000 kopecks against a 10 000 hold: exactly three can succeed.
    results = run_together(
        [(lambda i=i: ledger.hold_post(hold=hold, amount=3_000, key=f"post:{i}")) for i in range(8)]
    )
    succeeded = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, ledger.HoldExceeded)]
    assert (len(succeeded), len(refused)) == (3, 5), results
    hold.refresh_from_db()
    assert hold.posted == 9_000
    account = Account.objects.get(certificate=certificate)
    assert (account.debits_posted, account.debits_pending) == (9_000, 1_000)


def test_concurrent_retries_with_one_key_move_money_once():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    provider = ProviderFactory(municipality=program.municipality)
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=50_000, key="credit"
    )
    results = run_together(
        [
            lambda: ledger.hold_create(
                certificate=certificate, provider=provider, amount=20_000, cause="c", key="h"
            )
        ]
        * 6
    )
    assert all(isinstance(r, Hold) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Transfer.objects.filter(kind=TransferKind.HOLD).count() == 1
    assert Account.objects.get(certificate=certificate).debits_pending == 20_000


def test_concurrent_transfers_in_both_directions_do_not_deadlock():
    program = financing_program_make()
    municipality = program.municipality
    certificates = [
        services.certificate_issue(child=ChildFactory(municipality=municipality)) for _ in range(2)
    ]
    for c in certificates:
        ledger.transfer_credit(
            financing_program=program, certificate=c, amount=100_000, key=f"{c.pk}"
        )
    provider = ProviderFactory(municipality=municipality)
    holds = [
        ledger.hold_create(
            certificate=c, provider=provider, amount=50_000, cause=f"c{c.pk}", key=f"h{c.pk}"
        )
        for c in certificates
    ]
    calls: list[Callable[[], Any]] = []
    for i in range(10):
        hold = holds[i % 2]
        calls.append(lambda i=i, hold=hold: ledger.hold_post(hold=hold, amount=100, key=f"p{i}"))
        calls.append(
            lambda i=i: ledger.transfer_expire(
                certificate=certificates[i % 2], financing_program=program, amount=10, key=f"e{i}"
            )
        )
    results = run_together(calls)
    assert all(isinstance(r, Transfer) for r in results), results


def test_concurrent_reversals_under_different_keys_reverse_once():
    program = financing_program_make()
    certificate = services.certificate_issue(child=ChildFactory(municipality=program.municipality))
    credit = ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=50_000, key="credit"
    )
    results = run_together(
        [(lambda i=i: ledger.transfer_reverse(transfer=credit, key=f"r{i}")) for i in range(6)]
    )
    reversals = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if type(r) is ledger.LedgerError]
    assert (len(reversals), len(refused)) == (1, 5), results
    assert all("уже сторнирована" in str(r) for r in refused)
    assert Account.objects.get(certificate=certificate).credits_posted == 0
