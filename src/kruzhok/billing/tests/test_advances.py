"""Advances: capped by the financing program's share of the month's expected charges, paid
through the ledger, netted off the month's invoice, and what the month does not cover
carried over as the provider's debt to the next invoices.

The scene is test_month_close's October (contracts of 6 300 ₽ for 21 lessons of 300 ₽ from
15.10, a 5 000 ₽ certificate each). By the time the advance is paid (16.10 in the tests' eyes,
`today`), the month's planned lessons within each contract are:
- Артём: 15, 20, 22 and 29 October (the 27th is cancelled): 1 200 ₽ of lessons, of which the
  certificate pays floor(1 200 × 5 000 ÷ 6 300) = 952,38 ₽;
- Вера, withdrawn from 21.10: 15 and 20 October, 600 ₽: floor(600 × 5 000 ÷ 6 300) = 476,19 ₽.
Expected certificate charges: 1 428,57 ₽. October's invoice: 714,28 + 476,19 = 1 190,47 ₽.
"""

import datetime

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.attendance.services import attendance_mark
from kruzhok.billing.advances import AdvanceError, advance_pay, month_expected_charges
from kruzhok.billing.documents import invoice_document_context
from kruzhok.billing.models import Advance, AdvanceNetting, Invoice, InvoiceStatus
from kruzhok.billing.month_close import month_close
from kruzhok.billing.payments import PaymentError, invoice_approve
from kruzhok.billing.tests.test_month_close import OCTOBER, _at, _october
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import FinancingProgram
from kruzhok.certificates.selectors import provider_money
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import user_make

PAID_ON = datetime.date(2026, 10, 16)
NOVEMBER = datetime.date(2026, 11, 1)


def _scene(time_machine, *, percent: int):
    world, operator, contracts = _october(time_machine)
    FinancingProgram.objects.filter(pk=world.financing.pk).update(advance_percent=percent)
    return world, operator, contracts


def _pay(world, operator, amount: int, *, month=OCTOBER, today=PAID_ON, number="17"):
    return advance_pay(
        actor=operator,
        municipality=world.municipality,
        provider=world.provider,
        month=month,
        amount=amount,
        order_number=number,
        order_date=today,
        today=today,
    )


@pytest.mark.django_db
def test_expected_charges_count_the_planned_lessons_within_each_contract(time_machine):
    world, _, _ = _scene(time_machine, percent=50)
    expected = month_expected_charges(municipality=world.municipality, month=OCTOBER)
    assert expected == {world.provider.pk: 952_38 + 476_19}


@pytest.mark.django_db
def test_an_advance_is_capped_by_the_programs_share_and_moves_through_the_ledger(time_machine):
    world, operator, _ = _scene(time_machine, percent=50)
    limit = (952_38 + 476_19) * 50 // 100  # 714,28 ₽

    with pytest.raises(AdvanceError, match=r"не больше 50 %.*714,28"):
        _pay(world, operator, limit + 1)
    assert not Advance.objects.exists()

    advance = _pay(world, operator, limit)

    assert (advance.amount, advance.expected_amount, advance.percent) == (limit, 142857, 50)
    money = provider_money(provider=world.provider)
    assert money.paid == limit
    assert money.advance_outstanding == limit
    assert all(result.ok for result in ledger_audit())
    with pytest.raises(AdvanceError, match="уже выплачен"):
        _pay(world, operator, 100_00, number="18")
    assert provider_money(provider=world.provider).paid == limit


@pytest.mark.django_db
def test_an_advance_larger_than_the_month_is_netted_and_the_rest_carries_over(time_machine):
    world, operator, contracts = _scene(time_machine, percent=100)
    _pay(world, operator, 1_428_57)

    october = month_close(actor=operator, municipality=world.municipality, month=OCTOBER)

    invoice = Invoice.objects.get(closure=october)
    assert invoice.certificate_amount == 1_190_47
    assert invoice.advance_netted == 1_190_47
    assert invoice.due == 0
    assert invoice.status == InvoiceStatus.PAID  # settled by the advance, nothing to pay
    with pytest.raises(PaymentError, match="уже оплачен"):
        invoice_approve(actor=operator, invoice=invoice)
    context = invoice_document_context(invoice=invoice)
    assert (context["advance_netted"], context["due"]) == (1_190_47, 0)
    assert context["due_words"] == "Ноль рублей 00 копеек"
    assert b"%PDF" in invoice.documents.get(kind="invoice_pdf").content[:8]
    advance = Advance.objects.get()
    assert (advance.netted, advance.outstanding) == (1_190_47, 238_10)
    money = provider_money(provider=world.provider)
    assert (money.payable, money.paid, money.advance_outstanding) == (0, 1_428_57, 238_10)
    assert money.earned == 1_190_47  # what the month's lessons earned, no more
    assert all(result.ok for result in ledger_audit())

    # November: Артём attends the 3rd and the 5th (the certificate's share of 1 500 ₽ so far
    # is 1 190,47 ₽, of which October's three lessons charged 714,28 ₽).
    artyom = contracts["artyom"]
    for day in (3, 5):
        time_machine.move_to(_at(day, month=11), tick=False)
        lesson = artyom.application.group.lessons.get(date=datetime.date(2026, 11, day))
        attendance_mark(actor=world.teacher, lesson=lesson, contract=artyom, present=True)
    time_machine.move_to(_at(2, month=12, hour=12), tick=False)
    november = month_close(actor=operator, municipality=world.municipality, month=NOVEMBER)

    invoice = Invoice.objects.get(closure=november)
    assert invoice.certificate_amount == 1_190_47 - 714_28
    assert invoice.advance_netted == 238_10
    assert invoice.due == 1_190_47 - 714_28 - 238_10
    assert invoice.status == InvoiceStatus.ISSUED
    assert AdvanceNetting.objects.filter(invoice=invoice).get().amount == 238_10
    assert Advance.objects.get().outstanding == 0
    money = provider_money(provider=world.provider)
    assert (money.payable, money.advance_outstanding) == (invoice.due, 0)
    assert all(result.ok for result in ledger_audit())


@pytest.mark.django_db
def test_advances_are_refused_where_the_rules_say_no(time_machine):
    world, operator, _ = _scene(time_machine, percent=0)
    with pytest.raises(AdvanceError, match="не предусматривает авансов"):
        _pay(world, operator, 100_00)
    FinancingProgram.objects.filter(pk=world.financing.pk).update(advance_percent=50)
    with pytest.raises(AdvanceError, match="за текущий или следующий месяц"):
        _pay(world, operator, 100_00, today=datetime.date(2026, 12, 1))
    with pytest.raises(AdvanceError, match="ещё не наступила"):
        advance_pay(
            actor=operator,
            municipality=world.municipality,
            provider=world.provider,
            month=OCTOBER,
            amount=100_00,
            order_number="1",
            order_date=datetime.date(2026, 10, 17),
            today=PAID_ON,
        )
    with pytest.raises(AdvanceError, match="от одной до шести цифр"):
        _pay(world, operator, 100_00, number="12345678")
    stranger = user_make(Role.OPERATOR, Municipality.objects.create(name="Соседний округ"))
    with pytest.raises(AdvanceError, match="своего муниципалитета"):
        _pay(world, stranger, 100_00)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    with pytest.raises(AdvanceError, match="уже закрыт"):
        _pay(world, operator, 100_00)
    assert not Advance.objects.exists()
    assert provider_money(provider=world.provider).advance_outstanding == 0


@pytest.mark.django_db
def test_the_operator_pays_an_advance_on_the_page_and_others_cannot(client, time_machine):
    world, operator, _ = _scene(time_machine, percent=50)
    time_machine.move_to(_at(16, hour=10), tick=False)
    url = reverse("advances:list") + "?month=2026-10-01"

    client.force_login(operator)
    page = client.get(url)
    assert page.status_code == 200
    assert "714,28" in page.content.decode()  # the most it may be advanced
    answer = client.post(
        reverse("advances:pay", args=[world.provider.pk]),
        {
            "month": "2026-10-01",
            "amount": "500,00",
            "order_number": "41",
            "order_date": "2026-10-16",
        },
        follow=True,
    )
    assert "Аванс" in answer.content.decode() and "отмечен" in answer.content.decode()
    assert Advance.objects.get().amount == 500_00
    refused = client.post(
        reverse("advances:pay", args=[world.provider.pk]),
        {"month": "2026-10-01", "amount": "abc", "order_number": "42", "order_date": "2026-10-16"},
        follow=True,
    )
    assert "не отмечен" in refused.content.decode()
    assert Advance.objects.count() == 1

    client.force_login(world.admin)
    assert client.get(url).status_code == 403
    client.force_login(world.parent)
    assert client.get(url).status_code == 403
    other = user_make(Role.OPERATOR, Municipality.objects.create(name="Соседний округ"))
    client.force_login(other)
    assert client.get(url + f"&municipality={world.municipality.pk}").status_code == 404
    assert (
        client.post(
            reverse("advances:pay", args=[world.provider.pk]),
            {
                "municipality": world.municipality.pk,
                "month": "2026-10-01",
                "amount": "1,00",
                "order_number": "43",
                "order_date": "2026-10-16",
            },
        ).status_code
        == 404
    )
    assert Advance.objects.count() == 1

    client.force_login(world.admin)
    provider_page = client.get(reverse("provider:invoices")).content.decode()
    assert "Авансы" in provider_page and "500,00" in provider_page
