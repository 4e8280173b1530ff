"""Advances raced on PostgreSQL (SQLite serialises writers): two operators paying the same
provider's advance at once pay it once; an advance paid while the month is being closed is
either refused or netted off that month's invoice, never left beside it."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kruzhok.billing.advances import AdvanceError, advance_pay
from kruzhok.billing.models import Advance, Invoice
from kruzhok.billing.month_close import month_close
from kruzhok.billing.tests.test_advances import PAID_ON, _scene
from kruzhok.billing.tests.test_month_close import OCTOBER
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.selectors import provider_money

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # the test reports whatever a caller met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _payer(world, operator, number: str) -> Callable[[], Advance]:
    return lambda: advance_pay(
        actor=operator,
        municipality=world.municipality,
        provider=world.provider,
        month=OCTOBER,
        amount=500_00,
        order_number=number,
        order_date=PAID_ON,
        today=PAID_ON,
    )


def test_two_operators_paying_one_advance_at_once_pay_it_once(time_machine):
    world, operator, _ = _scene(time_machine, percent=50)

    results = _at_once(_payer(world, operator, "1"), _payer(world, operator, "2"))

    paid = [r for r in results if isinstance(r, Advance)]
    refused = [r for r in results if isinstance(r, AdvanceError)]
    assert (len(paid), len(refused)) == (1, 1), results
    assert "уже выплачен" in str(refused[0])
    assert Advance.objects.count() == 1
    assert provider_money(provider=world.provider).paid == 500_00
    assert all(result.ok for result in ledger_audit())


def test_an_advance_paid_during_the_close_is_refused_or_netted(time_machine):
    world, operator, _ = _scene(time_machine, percent=100)

    results = _at_once(
        _payer(world, operator, "3"),
        lambda: month_close(actor=operator, municipality=world.municipality, month=OCTOBER),
    )

    invoice = Invoice.objects.get()
    if isinstance(results[0], Advance):
        assert invoice.advance_netted == 500_00  # the month's 1 190,47 ₽ covers it all
        assert Advance.objects.get().outstanding == 0
    else:
        assert isinstance(results[0], AdvanceError), results
        assert "уже закрыт" in str(results[0])
        assert invoice.advance_netted == 0 and not Advance.objects.exists()
    money = provider_money(provider=world.provider)
    assert money.advance_outstanding == 0
    assert money.payable + money.paid == invoice.certificate_amount
    assert all(result.ok for result in ledger_audit())
