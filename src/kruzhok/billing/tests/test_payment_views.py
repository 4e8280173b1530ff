"""The payment registry's pages: who may see and use them, and what they show."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.billing import payments
from kruzhok.billing.models import InvoicePayment, InvoiceStatus
from kruzhok.billing.payments import invoice_approve, invoice_payment_record
from kruzhok.billing.registry_exports import registry_bank_exchange
from kruzhok.billing.selectors import payment_registry
from kruzhok.billing.tests.payment_scene import FIRST, NOVEMBER_5, SECOND, closed_october
from kruzhok.certificates.selectors import provider_money
from kruzhok.common.bank_exchange import statement_parse
from kruzhok.common.models import Municipality
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE
from kruzhok.enrollment.tests.world import MOSCOW, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(time_machine):
    return closed_october(time_machine)


def _approved(scene):
    world, operator, invoices = scene
    for invoice in invoices:
        invoice_approve(actor=operator, invoice=invoice)
    return world, operator, invoices


def test_anonymous_is_sent_to_log_in(client, scene):
    response = client.get(reverse("payments:registry"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.PARENT])
def test_providers_and_parents_get_403(client, scene, role):
    client.force_login(user_make(role))
    invoice = scene[2][0]
    assert client.get(reverse("payments:registry")).status_code == 403
    assert client.post(reverse("payments:approve", args=[invoice.pk])).status_code == 403
    assert client.get(reverse("payments:export_bank")).status_code == 403


def test_another_municipalitys_operator_gets_404_and_changes_nothing(client, scene):
    _, _, invoices = scene
    client.force_login(user_make(Role.OPERATOR, Municipality.objects.create(name="Другой")))
    invoice = invoices[0]
    assert client.post(reverse("payments:approve", args=[invoice.pk])).status_code == 404
    pay = {"amount": "1,00", "order_number": "1", "order_date": "2026-11-05"}
    assert client.post(reverse("payments:pay", args=[invoice.pk]), pay).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_the_approve_button_on_the_months_page_approves(client, scene):
    _, operator, invoices = scene
    client.force_login(operator)
    invoice = invoices[0]
    detail = reverse("billing:closure_detail", args=[invoice.closure_id])
    page = client.get(detail).content.decode()
    assert reverse("payments:approve", args=[invoice.pk]) in page

    response = client.post(reverse("payments:approve", args=[invoice.pk]), {"next": detail})

    assert response.status_code == 302 and response["Location"] == detail
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED


def test_the_registry_shows_paid_and_due_and_pays_by_form(client, scene):
    _world, operator, invoices = _approved(scene)
    client.force_login(operator)
    page = client.get(reverse("payments:registry")).content.decode()
    assert invoices[0].provider.settlement_account in page
    assert "Осталось оплатить" in page

    response = client.post(
        reverse("payments:pay", args=[invoices[0].pk]),
        {"amount": "100,00", "order_number": "12", "order_date": "2026-11-05"},
    )
    assert response.status_code == 302
    invoices[0].refresh_from_db()
    assert (invoices[0].status, invoices[0].paid_amount) == ("partly_paid", 100_00)
    assert provider_money(provider=invoices[0].provider).paid == 100_00

    too_much = {"amount": "1000,00", "order_number": "13", "order_date": "2026-11-05"}
    response = client.post(reverse("payments:pay", args=[invoices[0].pk]), too_much, follow=True)
    assert "больше, чем причитается" in response.content.decode()
    invoices[0].refresh_from_db()
    assert invoices[0].paid_amount == 100_00


def test_the_exports_download(client, scene):
    _world, operator, _invoices = _approved(scene)
    client.force_login(operator)
    xlsx = client.get(reverse("payments:export_xlsx"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX_CONTENT_TYPE
    bank = client.get(reverse("payments:export_bank"))
    assert bank.status_code == 200
    entries = statement_parse(bank.content)
    assert sorted(e.amount_kopecks for e in entries) == sorted([FIRST, SECOND])


def test_a_bank_export_without_details_says_what_to_fill_in(client, scene):
    _world, operator, invoices = _approved(scene)
    provider = invoices[1].provider
    provider.bik = ""
    provider.save()
    client.force_login(operator)
    response = client.get(reverse("payments:export_bank"), follow=True)
    assert response.status_code == 200
    assert f"У поставщика «{provider.short_name}»" in response.content.decode()


def test_a_statement_upload_records_and_lists_what_did_not_match(client, scene):
    world, operator, invoices = _approved(scene)
    data = registry_bank_exchange(
        municipality=world.municipality,
        invoices=list(payment_registry(municipality_id=world.municipality.pk, due_only=True)),
        now=datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
    )
    client.force_login(operator)
    upload = SimpleUploadedFile("vypiska.txt", data, content_type="text/plain")
    response = client.post(reverse("payments:statement"), {"statement": upload})
    assert response.status_code == 200
    assert "Отмечено оплат: 2" in response.content.decode()
    assert all(provider_money(provider=i.provider).payable == 0 for i in invoices)

    again = SimpleUploadedFile("vypiska.txt", data, content_type="text/plain")
    response = client.post(reverse("payments:statement"), {"statement": again})
    assert "Отмечено оплат: 0" in response.content.decode()
    assert "уже были отмечены раньше: 2" in response.content.decode()


def test_a_file_that_is_not_a_statement_is_refused_in_russian(client, scene):
    _, operator, _ = _approved(scene)
    client.force_login(operator)
    upload = SimpleUploadedFile("vypiska.pdf", b"%PDF-1.7", content_type="application/pdf")
    response = client.post(reverse("payments:statement"), {"statement": upload}, follow=True)
    assert "это не файл обмена с банком" in response.content.decode()


def test_the_provider_sees_paid_due_and_the_payments(client, scene):
    world, operator, invoices = _approved(scene)
    invoice_payment_record(
        actor=operator, invoice=invoices[0], amount=100_00, order_number="77", order_date=NOVEMBER_5
    )
    client.force_login(world.admin)
    page = client.get(reverse("provider:invoices")).content.decode()
    assert "Осталось оплатить" in page
    assert "платёжное поручение № 77 от 05.11.2026" in page
    assert "376,19" in page  # 476,19 − 100,00


class _Clock:
    """A monotonic clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


def test_a_statement_that_takes_too_long_stops_says_so_and_goes_on_when_loaded_again(
    client, scene, monkeypatch
):
    world, operator, invoices = _approved(scene)
    data = registry_bank_exchange(
        municipality=world.municipality,
        invoices=list(payment_registry(municipality_id=world.municipality.pk, due_only=True)),
        now=datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW),
    )
    client.force_login(operator)
    # Each reading of the clock is 15 s later: the deadline (20 s) passes after one entry.
    monkeypatch.setattr(payments, "monotonic", _Clock(step=15).monotonic)
    upload = SimpleUploadedFile("vypiska.txt", data, content_type="text/plain")
    page = client.post(reverse("payments:statement"), {"statement": upload}).content.decode()
    assert "Отмечено оплат: 1" in page
    assert "обработана не полностью" in page and "Не обработано поручений: 1" in page
    assert "Загрузите этот же файл ещё раз" in page
    assert sum(provider_money(provider=i.provider).paid for i in invoices) in (FIRST, SECOND)
    assert InvoicePayment.objects.count() == 1

    monkeypatch.undo()
    again = SimpleUploadedFile("vypiska.txt", data, content_type="text/plain")
    page = client.post(reverse("payments:statement"), {"statement": again}).content.decode()
    assert "Отмечено оплат: 1" in page and "уже были отмечены раньше: 1" in page
    assert "не полностью" not in page
    assert all(provider_money(provider=i.provider).payable == 0 for i in invoices)
    assert InvoicePayment.objects.count() == 2
