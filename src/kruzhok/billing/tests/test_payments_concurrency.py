"""Payments raced on PostgreSQL (SQLite serialises writers): two payment orders recorded on one
invoice at the same moment, each for the whole amount due, pay it once — the invoice's row
lock orders them, and the second finds nothing left to pay; a payment and its reversal raced
leave the ledger and the invoice agreeing."""

import pytest

from kruzhok.billing.models import InvoicePayment, InvoicePaymentReversal
from kruzhok.billing.payments import (
    PaymentError,
    PaymentRecorded,
    invoice_approve,
    invoice_payment_record,
    invoice_payment_reverse,
)
from kruzhok.billing.tests.payment_scene import FIRST, NOVEMBER_5, closed_october
from kruzhok.billing.tests.test_advances_concurrency import _at_once
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.selectors import provider_money

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _approved(time_machine):
    world, operator, invoices = closed_october(time_machine)
    invoice_approve(actor=operator, invoice=invoices[0])
    invoices[0].refresh_from_db()
    return world, operator, invoices[0]


@pytest.mark.parametrize("same_order", [False, True], ids=["two orders", "one order twice"])
def test_two_payments_of_one_invoice_at_once_pay_it_once(time_machine, same_order):
    _, operator, invoice = _approved(time_machine)

    def pay(number: str):
        return lambda: invoice_payment_record(
            actor=operator,
            invoice=invoice,
            amount=FIRST,
            order_number=number,
            order_date=NOVEMBER_5,
        )

    results = _at_once(pay("21"), pay("21" if same_order else "22"))

    recorded = [r for r in results if isinstance(r, PaymentRecorded) and r.created]
    assert len(recorded) == 1, results
    other = next(r for r in results if r is not recorded[0])
    if same_order:
        assert isinstance(other, PaymentRecorded) and not other.created, results
    else:
        assert isinstance(other, PaymentError), results
        assert "не платится" in str(other) or "только по утверждённому" in str(other)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.due) == ("paid", FIRST, 0)
    assert InvoicePayment.objects.count() == 1
    money = provider_money(provider=invoice.provider)
    assert (money.payable, money.paid) == (0, FIRST)
    assert all(result.ok for result in ledger_audit())


def test_a_payment_reversed_twice_at_once_is_reversed_once(time_machine):
    _, operator, invoice = _approved(time_machine)
    payment = invoice_payment_record(
        actor=operator, invoice=invoice, amount=FIRST, order_number="7", order_date=NOVEMBER_5
    ).payment

    def reverse():
        return invoice_payment_reverse(
            actor=operator, payment=payment, reason="Ошибочное поручение, не тот счёт"
        )

    results = _at_once(reverse, reverse)

    refused = [r for r in results if isinstance(r, PaymentError)]
    assert len(refused) == 1 and "уже сторнировано" in str(refused[0]), results
    assert InvoicePaymentReversal.objects.count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("approved", 0)
    assert provider_money(provider=invoice.provider).paid == 0
    assert all(result.ok for result in ledger_audit())
