"""Paying invoices: approval, payment orders by hand and from a statement, the exports.

The scene (payment_scene): October 2026 closed for two providers, billed 476,19 ₽ and
238,09 ₽.
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kruzhok.accounts.models import Role
from kruzhok.billing.advances import advance_pay
from kruzhok.billing.models import InvoicePayment, InvoiceStatus
from kruzhok.billing.payments import (
    PaymentError,
    invoice_approve,
    invoice_payment_record,
    statement_payments_record,
)
from kruzhok.billing.registry_exports import (
    RegistryExportError,
    registry_bank_exchange,
    registry_xlsx,
)
from kruzhok.billing.selectors import advances_of_the_day, payment_registry
from kruzhok.billing.tests.invoices import PAYER
from kruzhok.billing.tests.payment_scene import FIRST, NOVEMBER_5, SECOND, closed_october
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import FinancingProgram
from kruzhok.certificates.selectors import provider_money
from kruzhok.common.bank_exchange import (
    BankDetails,
    PaymentOrder,
    payment_orders_export,
    statement_parse,
)
from kruzhok.common.models import AuditEvent, Municipality
from kruzhok.enrollment.tests.world import MOSCOW, user_make

pytestmark = pytest.mark.django_db


def _ledger_clean() -> bool:
    return all(result.ok for result in ledger_audit())


def _approved(time_machine):
    world, operator, invoices = closed_october(time_machine)
    for invoice in invoices:
        invoice_approve(actor=operator, invoice=invoice)
        invoice.refresh_from_db()
    return world, operator, invoices


def _statuses(invoice) -> list[tuple[str, str]]:
    return [
        (e.details["status_from"], e.details["status_to"])
        for e in AuditEvent.objects.filter(
            action="invoice_status", object_id=str(invoice.pk)
        ).order_by("pk")
    ]


def test_the_scene_bills_both_providers_to_the_kopeck(time_machine):
    _, _, invoices = closed_october(time_machine)
    assert [i.certificate_amount for i in invoices] == [FIRST, SECOND]
    assert [provider_money(provider=i.provider).payable for i in invoices] == [FIRST, SECOND]


def test_approving_puts_an_issued_invoice_in_the_registry_and_logs_who(time_machine):
    world, operator, invoices = closed_october(time_machine)
    assert not payment_registry(municipality_id=world.municipality.pk).exists()

    invoice = invoice_approve(actor=operator, invoice=invoices[0])

    assert invoice.status == InvoiceStatus.APPROVED
    assert list(payment_registry(municipality_id=world.municipality.pk)) == [invoice]
    assert _statuses(invoice) == [("", "issued"), ("issued", "approved")]
    event = AuditEvent.objects.filter(action="invoice_status").latest("pk")
    assert event.actor == operator


def test_approving_twice_is_refused_and_logged_once(time_machine):
    _, operator, invoices = closed_october(time_machine)
    invoice_approve(actor=operator, invoice=invoices[0])
    with pytest.raises(PaymentError, match="утвердить можно только выставленный"):
        invoice_approve(actor=operator, invoice=invoices[0])
    assert len(_statuses(invoices[0])) == 2


def test_approving_an_invoice_with_nothing_to_pay_is_refused(time_machine):
    _, operator, invoices = closed_october(time_machine)
    invoices[0].__class__.objects.filter(pk=invoices[0].pk).update(certificate_amount=0)
    with pytest.raises(PaymentError, match="не больше нуля"):
        invoice_approve(actor=operator, invoice=invoices[0])


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.PARENT])
def test_only_an_operator_approves(time_machine, role):
    _, _, invoices = closed_october(time_machine)
    with pytest.raises(PaymentError, match="муниципальный оператор"):
        invoice_approve(actor=user_make(role), invoice=invoices[0])


def test_another_municipalitys_operator_may_not_approve_but_the_regional_admin_may(
    time_machine,
):
    _, _, invoices = closed_october(time_machine)
    elsewhere = Municipality.objects.create(name="Другой округ")
    with pytest.raises(PaymentError, match="другому муниципалитету"):
        invoice_approve(actor=user_make(Role.OPERATOR, elsewhere), invoice=invoices[0])
    invoice = invoice_approve(actor=user_make(Role.REGIONAL_ADMIN), invoice=invoices[0])
    assert invoice.status == InvoiceStatus.APPROVED


def test_a_partial_then_a_full_payment_moves_the_money_from_payable_to_paid(time_machine):
    _, operator, invoices = _approved(time_machine)
    invoice = invoices[0]
    provider = invoice.provider

    invoice_payment_record(
        actor=operator, invoice=invoice, amount=200_00, order_number="17", order_date=NOVEMBER_5
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.due) == (
        "partly_paid",
        200_00,
        FIRST - 200_00,
    )
    money = provider_money(provider=provider)
    assert (money.payable, money.paid) == (FIRST - 200_00, 200_00)
    assert _ledger_clean()

    invoice_payment_record(
        actor=operator,
        invoice=invoice,
        amount=FIRST - 200_00,
        order_number="18",
        order_date=NOVEMBER_5,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.due) == ("paid", FIRST, 0)
    money = provider_money(provider=provider)
    assert (money.payable, money.paid) == (0, FIRST)
    assert _ledger_clean()
    assert _statuses(invoice)[-2:] == [("approved", "partly_paid"), ("partly_paid", "paid")]
    # The other provider's money has not moved.
    assert provider_money(provider=invoices[1].provider).payable == SECOND


def test_paying_more_than_is_due_is_refused_and_moves_nothing(time_machine):
    _, operator, invoices = _approved(time_machine)
    invoice = invoices[0]
    invoice_payment_record(
        actor=operator, invoice=invoice, amount=400_00, order_number="1", order_date=NOVEMBER_5
    )
    with pytest.raises(PaymentError, match="осталось оплатить 76,19"):
        invoice_payment_record(
            actor=operator,
            invoice=invoice,
            amount=76_20,
            order_number="2",
            order_date=NOVEMBER_5,
        )
    invoice.refresh_from_db()
    assert invoice.paid_amount == 400_00
    assert InvoicePayment.objects.count() == 1
    money = provider_money(provider=invoice.provider)
    assert (money.payable, money.paid) == (FIRST - 400_00, 400_00)
    assert _ledger_clean()


def test_a_payment_order_entered_twice_pays_once(time_machine):
    _, operator, invoices = _approved(time_machine)
    invoice = invoices[0]
    kwargs = {"amount": 300_00, "order_number": "42", "order_date": NOVEMBER_5}
    first = invoice_payment_record(actor=operator, invoice=invoice, **kwargs)
    again = invoice_payment_record(actor=operator, invoice=invoice, **kwargs)

    assert (first.created, again.created) == (True, False)
    assert again.payment == first.payment
    invoice.refresh_from_db()
    assert invoice.paid_amount == 300_00
    assert provider_money(provider=invoice.provider).paid == 300_00
    with pytest.raises(PaymentError, match="уже отмечено"):
        invoice_payment_record(
            actor=operator, invoice=invoice, amount=400_00, order_number="42", order_date=NOVEMBER_5
        )
    assert _ledger_clean()


def test_an_unapproved_invoice_cannot_be_paid(time_machine):
    _, operator, invoices = closed_october(time_machine)
    with pytest.raises(PaymentError, match="только по утверждённому"):
        invoice_payment_record(
            actor=operator,
            invoice=invoices[0],
            amount=1_00,
            order_number="1",
            order_date=NOVEMBER_5,
        )
    assert provider_money(provider=invoices[0].provider).paid == 0


@pytest.mark.parametrize(
    ("number", "day", "message"),
    [
        ("1234567", NOVEMBER_5, "от одной до шести цифр"),
        ("12a", NOVEMBER_5, "от одной до шести цифр"),
        ("1", datetime.date(2026, 11, 4), "не раньше даты счёта"),
        ("1", datetime.date(2026, 11, 6), "не позже сегодняшнего"),
    ],
)
def test_a_payment_order_of_the_wrong_shape_is_refused(time_machine, number, day, message):
    _, operator, invoices = _approved(time_machine)
    with pytest.raises(PaymentError, match=message):
        invoice_payment_record(
            actor=operator, invoice=invoices[0], amount=1_00, order_number=number, order_date=day
        )


# Exports ---------------------------------------------------------------------------------


def _registry(world):
    return list(payment_registry(municipality_id=world.municipality.pk, due_only=True))


def test_the_bank_file_holds_an_order_per_invoice_still_due(time_machine):
    world, operator, invoices = _approved(time_machine)
    invoice_payment_record(
        actor=operator, invoice=invoices[0], amount=76_19, order_number="5", order_date=NOVEMBER_5
    )
    now = datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW)

    data = registry_bank_exchange(
        municipality=world.municipality, invoices=_registry(world), now=now
    )

    text = data.decode("cp1251")
    assert "ВерсияФормата=1.03" in text and "\r\n" in text
    assert text.count("СекцияДокумент=Платежное поручение") == 2
    entries = statement_parse(data)
    by_inn = {entry.payee.inn: entry for entry in entries}
    assert set(by_inn) == {i.provider.inn for i in invoices}
    for invoice, due in zip(invoices, [FIRST - 76_19, SECOND], strict=True):
        entry = by_inn[invoice.provider.inn]
        assert entry.amount_kopecks == due
        assert entry.payee.account == invoice.provider.settlement_account
        assert entry.payee.bik == invoice.provider.bik
        assert entry.payee.correspondent_account == invoice.provider.correspondent_account
        assert entry.payer.inn == PAYER["payer_inn"]
        assert entry.payer.account == PAYER["payer_account"]
        assert entry.purpose == (
            f"Оплата по счёту № {invoice.number} от 05.11.2026 за октябрь 2026 (ПФДО). Без НДС"
        )


def test_the_xlsx_registry_lists_what_is_due_with_the_payees_details(time_machine):
    world, _, invoices = _approved(time_machine)
    invoices[1].provider.full_name = '=HYPERLINK("http://evil")'
    invoices[1].provider.save()

    data = registry_xlsx(municipality=world.municipality, invoices=_registry(world))

    ws = load_workbook(io.BytesIO(data)).active
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    by_inn = {r[4]: r for r in rows}
    for invoice, due in zip(invoices, [FIRST, SECOND], strict=True):
        row = by_inn[invoice.provider.inn]
        assert row[5] == invoice.provider.settlement_account
        assert round(row[11] * 100) == due
        assert row[12].startswith(f"Оплата по счёту № {invoice.number} от 05.11.2026")
    cell = next(c for c in ws["D"] if c.value == '=HYPERLINK("http://evil")')
    assert cell.data_type == "s"


def test_a_provider_without_bank_details_is_named_not_exported(time_machine):
    world, _, invoices = _approved(time_machine)
    provider = invoices[1].provider
    provider.settlement_account = ""
    provider.bik = ""
    provider.save()
    with pytest.raises(RegistryExportError, match=f"«{provider.short_name}».*расчётный счёт, БИК"):
        registry_bank_exchange(
            municipality=world.municipality,
            invoices=_registry(world),
            now=datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
        )


def test_a_municipality_without_payer_details_is_told_what_to_fill_in(time_machine):
    world, _, _ = _approved(time_machine)
    world.municipality.payer_account = ""
    world.municipality.save()
    with pytest.raises(RegistryExportError, match="реквизиты плательщика: казначейский"):
        registry_bank_exchange(
            municipality=world.municipality,
            invoices=_registry(world),
            now=datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
        )


# Statements -------------------------------------------------------------------------------


def _statement(orders: list[PaymentOrder]) -> bytes:
    """A statement as a bank would send it back: the same format, the same sections."""
    return payment_orders_export(
        orders=orders,
        sender="Банк",
        created_at=datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
        period_start=NOVEMBER_5,
        period_end=NOVEMBER_5,
    )


def _order(invoice, number: str, amount: int, purpose: str | None = None) -> PaymentOrder:
    payer = BankDetails(
        name=PAYER["payer_name"],
        inn=PAYER["payer_inn"],
        kpp=PAYER["payer_kpp"],
        account=PAYER["payer_account"],
        bank_name=PAYER["payer_bank_name"],
        bik=PAYER["payer_bik"],
        correspondent_account=PAYER["payer_correspondent_account"],
    )
    provider = invoice.provider
    payee = BankDetails(
        name=provider.full_name,
        inn=provider.inn,
        kpp="",
        account=provider.settlement_account,
        bank_name=provider.bank_name,
        bik=provider.bik,
        correspondent_account=provider.correspondent_account,
    )
    return PaymentOrder(
        number=number,
        date=NOVEMBER_5,
        amount_kopecks=amount,
        payer=payer,
        payee=payee,
        purpose=purpose or f"Оплата по счёту № {invoice.number} от 05.11.2026 (ПФДО)",
    )


def test_the_exported_registry_loaded_back_as_a_statement_pays_every_invoice_once(time_machine):
    world, operator, invoices = _approved(time_machine)
    data = registry_bank_exchange(
        municipality=world.municipality,
        invoices=_registry(world),
        now=datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
    )

    result = statement_payments_record(
        actor=operator, municipality_id=world.municipality.pk, data=data
    )

    # As a set: the file lists payees by name, and the factories' names sort by serial.
    assert {line.invoice.pk for line in result.recorded} == {i.pk for i in invoices}
    assert result.recorded_amount == FIRST + SECOND
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
        assert provider_money(provider=invoice.provider).payable == 0
    assert _ledger_clean()

    again = statement_payments_record(
        actor=operator, municipality_id=world.municipality.pk, data=data
    )
    assert (len(again.recorded), len(again.repeated), len(again.unmatched)) == (0, 2, 0)
    assert InvoicePayment.objects.count() == 2
    assert sum(provider_money(provider=i.provider).paid for i in invoices) == FIRST + SECOND


def test_statement_entries_that_name_no_invoice_are_listed_with_the_reason(time_machine):
    world, operator, invoices = _approved(time_machine)
    stranger = _order(invoices[0], "3", 100_00)
    stranger = PaymentOrder(
        **{
            **stranger.__dict__,
            "payee": BankDetails(**{**stranger.payee.__dict__, "inn": "7707083893"}),
        }
    )
    data = _statement(
        [
            _order(invoices[0], "1", 200_00),
            _order(invoices[1], "2", 100_00, purpose="Оплата по договору № 77 (ПФДО)"),
            stranger,
            _order(invoices[1], "4", SECOND + 1),
        ]
    )

    result = statement_payments_record(
        actor=operator, municipality_id=world.municipality.pk, data=data
    )

    assert [(line.entry.number, line.invoice) for line in result.recorded] == [("1", invoices[0])]
    reasons = {line.entry.number: line.outcome for line in result.unmatched}
    assert "нет номера счёта" in reasons["2"]
    assert "не поставщик" in reasons["3"]
    assert "осталось оплатить" in reasons["4"]
    invoices[1].refresh_from_db()
    assert invoices[1].paid_amount == 0
    assert provider_money(provider=invoices[0].provider).paid == 200_00
    assert _ledger_clean()


def test_the_bank_file_carries_the_days_advances_under_their_own_numbers(time_machine, client):
    world, operator, invoices = _approved(time_machine)
    FinancingProgram.objects.filter(pk=world.financing.pk).update(advance_percent=50)
    advance = advance_pay(
        actor=operator,
        municipality=world.municipality,
        provider=invoices[1].provider,
        month=datetime.date(2026, 11, 1),
        amount=100_00,
        order_number="2",
        order_date=NOVEMBER_5,
        today=NOVEMBER_5,
    )
    now = datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW)

    data = registry_bank_exchange(
        municipality=world.municipality,
        invoices=_registry(world),
        now=now,
        advances=list(advances_of_the_day(municipality_id=world.municipality.pk, day=NOVEMBER_5)),
    )

    entries = statement_parse(data)
    assert len(entries) == 3
    advance_order = next(e for e in entries if e.purpose.startswith("Аванс"))
    assert (advance_order.number, advance_order.date) == ("2", NOVEMBER_5)
    assert advance_order.amount_kopecks == 100_00
    assert advance_order.payee.inn == invoices[1].provider.inn
    assert advance_order.payee.account == invoices[1].provider.settlement_account
    assert advance_order.purpose == (
        "Аванс за ноябрь 2026 (ПФДО), 50 % ожидаемых списаний по сертификатам. Без НДС"
    )
    # The invoices' orders are numbered around the advance's: no number twice in the day.
    invoice_orders = [e for e in entries if e is not advance_order]
    assert sorted(e.number for e in invoice_orders) == ["1", "3"]
    assert sum(e.amount_kopecks for e in invoice_orders) == FIRST + SECOND

    # The registry's page says so, and its download carries it.
    client.force_login(operator)
    page = client.get(reverse("payments:registry")).content.decode()
    assert "Авансы с поручениями от 05.11.2026: 1" in page
    exported = statement_parse(client.get(reverse("payments:export_bank")).content)
    assert [(e.number, e.amount_kopecks) for e in exported if e.purpose.startswith("Аванс")] == [
        ("2", advance.amount)
    ]
    # An advance of another day is not in that day's file.
    time_machine.move_to(datetime.datetime(2026, 11, 6, 12, 0, tzinfo=MOSCOW), tick=False)
    exported = statement_parse(client.get(reverse("payments:export_bank")).content)
    assert len(exported) == 2
    assert not [e for e in exported if e.purpose.startswith("Аванс")]
    # The file loaded back as the bank's statement pays the invoices; the advance was paid
    # when it was recorded, and is listed as such, not as an order that fits nothing.
    statement = client.post(
        reverse("payments:statement"),
        {"statement": SimpleUploadedFile("vypiska.txt", data, content_type="text/plain")},
    ).content.decode()
    assert "Отмечено оплат: 2" in statement and "уже были отмечены раньше: 1" in statement
    assert "аванс: отмечен при выплате" in statement and "не сопоставлено" not in statement
    assert provider_money(provider=invoices[1].provider).paid == SECOND + 100_00
    assert _ledger_clean()
    # With the invoices paid and no advance of the day, there is nothing to export.
    answer = client.get(reverse("payments:export_bank"), follow=True).content.decode()
    assert "выгружать нечего" in answer
