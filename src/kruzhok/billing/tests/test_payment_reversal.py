"""A wrong payment taken back: the operator reverses it with a reason, the ledger's payment is
reversed (paid back to payable), the invoice owes the amount again, and all of it is recorded.

The scene (payment_scene): October 2026 closed for two providers, billed 476,19 ₽ and
238,09 ₽, both approved.
"""

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.billing.models import InvoicePayment, InvoicePaymentReversal, InvoiceStatus
from kruzhok.billing.payments import (
    PaymentError,
    invoice_approve,
    invoice_payment_record,
    invoice_payment_reverse,
)
from kruzhok.billing.tests.payment_scene import FIRST, NOVEMBER_5, SECOND, closed_october
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import Transfer, TransferKind
from kruzhok.certificates.selectors import provider_money
from kruzhok.common.models import AuditEvent, Municipality
from kruzhok.enrollment.tests.world import user_make

pytestmark = pytest.mark.django_db

REASON = "Оплачено по счёту другого поставщика"


def _ledger_clean() -> bool:
    return all(result.ok for result in ledger_audit())


def _paid(time_machine, amount: int = FIRST, order_number: str = "17"):
    world, operator, invoices = closed_october(time_machine)
    for invoice in invoices:
        invoice_approve(actor=operator, invoice=invoice)
    recorded = invoice_payment_record(
        actor=operator,
        invoice=invoices[0],
        amount=amount,
        order_number=order_number,
        order_date=NOVEMBER_5,
    )
    invoices[0].refresh_from_db()
    return world, operator, invoices, recorded.payment


def test_reversing_a_full_payment_returns_the_invoice_to_unpaid_and_the_money_to_payable(
    time_machine,
):
    _, operator, invoices, payment = _paid(time_machine)
    invoice = invoices[0]
    assert invoice.status == InvoiceStatus.PAID
    assert provider_money(provider=invoice.provider).paid == FIRST

    invoice = invoice_payment_reverse(actor=operator, payment=payment, reason=f"  {REASON} ")

    assert (invoice.status, invoice.paid_amount, invoice.due) == ("approved", 0, FIRST)
    money = provider_money(provider=invoice.provider)
    assert (money.payable, money.paid) == (FIRST, 0)
    reversal = InvoicePaymentReversal.objects.get()
    assert (reversal.payment, reversal.reason, reversal.reversed_by) == (payment, REASON, operator)
    # The payment row stays; the ledger holds the payment and its exact reversal.
    assert InvoicePayment.objects.get() == payment
    pay = Transfer.objects.get(kind=TransferKind.PAY)
    storno = Transfer.objects.get(kind=TransferKind.REVERSE)
    assert (storno.reverses, storno.amount) == (pay, FIRST)
    assert (storno.debit_account_id, storno.credit_account_id) == (
        pay.credit_account_id,
        pay.debit_account_id,
    )
    event = AuditEvent.objects.get(action="invoice_payment_reverse")
    assert event.actor == operator
    assert event.details["status_from"] == "paid" and event.details["status_to"] == "approved"
    assert event.details["reason"] == REASON and event.details["amount"] == FIRST
    assert _ledger_clean()
    # The other provider's money has not moved.
    assert provider_money(provider=invoices[1].provider).payable == SECOND


def test_reversing_one_of_two_payments_leaves_the_invoice_partly_paid_and_it_is_paid_again(
    time_machine,
):
    _, operator, invoices, first = _paid(time_machine, amount=100_00)
    invoice = invoices[0]
    second = invoice_payment_record(
        actor=operator, invoice=invoice, amount=50_00, order_number="18", order_date=NOVEMBER_5
    ).payment

    invoice = invoice_payment_reverse(actor=operator, payment=first, reason=REASON)
    assert (invoice.status, invoice.paid_amount, invoice.due) == (
        "partly_paid",
        50_00,
        FIRST - 50_00,
    )

    invoice_payment_reverse(actor=operator, payment=second, reason=REASON)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("approved", 0)
    # The right payment order pays it in full again.
    invoice_payment_record(
        actor=operator, invoice=invoice, amount=FIRST, order_number="19", order_date=NOVEMBER_5
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.due) == ("paid", FIRST, 0)
    money = provider_money(provider=invoice.provider)
    assert (money.payable, money.paid) == (0, FIRST)
    assert _ledger_clean()


def test_a_payment_is_reversed_once(time_machine):
    _, operator, _, payment = _paid(time_machine)
    invoice_payment_reverse(actor=operator, payment=payment, reason=REASON)
    with pytest.raises(PaymentError, match="уже сторнировано"):
        invoice_payment_reverse(actor=operator, payment=payment, reason=REASON)
    assert InvoicePaymentReversal.objects.count() == 1
    assert Transfer.objects.filter(kind=TransferKind.REVERSE).count() == 1
    assert _ledger_clean()


def test_the_reversed_payment_order_entered_again_is_refused_not_silently_repeated(time_machine):
    _, operator, invoices, payment = _paid(time_machine)
    invoice_payment_reverse(actor=operator, payment=payment, reason=REASON)
    with pytest.raises(PaymentError, match="сторнировано"):
        invoice_payment_record(
            actor=operator,
            invoice=invoices[0],
            amount=FIRST,
            order_number="17",
            order_date=NOVEMBER_5,
        )
    assert provider_money(provider=invoices[0].provider).paid == 0


@pytest.mark.parametrize("reason", ["", "   ", "ошибка", "я" * 501])
def test_a_reversal_without_a_proper_reason_is_refused_and_moves_nothing(time_machine, reason):
    _, operator, invoices, payment = _paid(time_machine)
    with pytest.raises(PaymentError, match="причину сторнирования"):
        invoice_payment_reverse(actor=operator, payment=payment, reason=reason)
    invoices[0].refresh_from_db()
    assert invoices[0].status == InvoiceStatus.PAID
    assert not InvoicePaymentReversal.objects.exists()
    assert provider_money(provider=invoices[0].provider).paid == FIRST


def test_only_the_invoices_operator_or_the_regional_admin_reverses(time_machine):
    world, _, _, payment = _paid(time_machine)
    stranger = user_make(Role.OPERATOR, Municipality.objects.create(name="Соседний округ"))
    for who in (stranger, world.admin, world.parent):
        with pytest.raises(PaymentError):
            invoice_payment_reverse(actor=who, payment=payment, reason=REASON)
    assert not InvoicePaymentReversal.objects.exists()
    invoice_payment_reverse(actor=user_make(Role.REGIONAL_ADMIN), payment=payment, reason=REASON)
    assert InvoicePaymentReversal.objects.count() == 1


def test_the_registry_reverses_by_form_and_shows_the_reversal_to_the_operator_and_provider(
    client, time_machine
):
    world, operator, invoices, payment = _paid(time_machine)
    url = reverse("payments:reverse", args=[invoices[0].pk])
    client.force_login(operator)
    page = client.get(reverse("payments:registry")).content.decode()
    assert url in page and "Сторнировать" in page

    short = client.post(url, {"payment": payment.pk, "reason": "ошибка"}, follow=True)
    assert "не короче 10 знаков" in short.content.decode()
    # A payment of another invoice through this invoice's address: not found.
    other = client.post(reverse("payments:reverse", args=[invoices[1].pk]),
                        {"payment": payment.pk, "reason": REASON}, follow=True)  # fmt: skip
    assert "нет такой оплаты" in other.content.decode()
    assert not InvoicePaymentReversal.objects.exists()

    answer = client.post(url, {"payment": payment.pk, "reason": REASON}, follow=True)
    assert "счёт снова ждёт оплаты" in answer.content.decode()
    invoices[0].refresh_from_db()
    assert invoices[0].status == InvoiceStatus.APPROVED
    page = client.get(reverse("payments:registry")).content.decode()
    assert REASON in page

    client.force_login(world.admin)
    page = client.get(reverse("provider:invoices")).content.decode()
    assert "отменено оператором" in page and REASON in page


def test_another_municipalitys_operator_gets_404_and_the_provider_403(client, time_machine):
    world, _, invoices, payment = _paid(time_machine)
    url = reverse("payments:reverse", args=[invoices[0].pk])
    client.force_login(user_make(Role.OPERATOR, Municipality.objects.create(name="Другой")))
    assert client.post(url, {"payment": payment.pk, "reason": REASON}).status_code == 404
    client.force_login(world.admin)
    assert client.post(url, {"payment": payment.pk, "reason": REASON}).status_code == 403
    assert client.get(url).status_code in (403, 405)
    assert not InvoicePaymentReversal.objects.exists()
