"""The admin shows certificates and the ledger and refuses every change to money."""

import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.certificates import ledger
from kruzhok.certificates.admin import TransferAdmin
from kruzhok.certificates.models import Account, Certificate, FinancingProgram, Hold, Transfer
from kruzhok.enrollment.models import Contract

pytestmark = pytest.mark.django_db

MONEY_MODELS = [FinancingProgram, Certificate, Account, Hold, Transfer]


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser(
        "admin@example.ru", "Admin-2026-parol", last_name="Админов", first_name="Пётр"
    )
    client.force_login(user)
    return client


@pytest.fixture
def ledger_rows(program, certificate, provider):
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=1_234_56, key="credit"
    )
    hold = ledger.hold_create(
        certificate=certificate, provider=provider, amount=500_00, cause="contract:1", key="hold"
    )
    post = ledger.hold_post(hold=hold, amount=100_00, key="post")
    reversal = ledger.transfer_reverse(transfer=post, key="reverse")
    return {"hold": hold, "post": post, "reversal": reversal}


def url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MONEY_MODELS)
def test_every_money_table_is_listed_and_shown(admin_client, ledger_rows, model):
    assert admin_client.get(url(model, "changelist")).status_code == 200
    obj = model.objects.first()
    response = admin_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    # A view-only page: no save button.
    assert b'name="_save"' not in response.content


@pytest.mark.parametrize("model", MONEY_MODELS)
def test_no_money_table_can_be_added_changed_or_deleted(admin_client, ledger_rows, model):
    obj = model.objects.first()
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "add"), {}).status_code == 403
    assert admin_client.post(url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_certificate_page_shows_its_money(admin_client, ledger_rows, certificate):
    response = admin_client.get(url(Certificate, "change", certificate.pk))
    text = response.content.decode()
    assert "1\u00a0234,56\u00a0₽" in text  # credited and balance
    assert "500,00\u00a0₽" in text  # reserved (the post was reversed)
    assert "734,56\u00a0₽" in text  # available


def test_certificate_is_found_by_its_printed_number(admin_client, ledger_rows, certificate):
    response = admin_client.get(url(Certificate, "changelist"), {"q": certificate.number_display})
    assert response.context["cl"].result_count == 1
    response = admin_client.get(url(Certificate, "changelist"), {"q": "Иванов"})
    assert response.context["cl"].result_count == 1
    response = admin_client.get(url(Certificate, "changelist"), {"q": "26 0000 0009 9"})
    assert response.context["cl"].result_count == 0


def test_transfer_links_to_its_cause(admin_client, ledger_rows):
    reversal, post, hold = ledger_rows["reversal"], ledger_rows["post"], ledger_rows["hold"]
    model_admin = TransferAdmin(Transfer, admin_site=None)
    cause = model_admin.cause(reversal)
    assert url(Transfer, "change", post.pk) in cause and f"#{post.pk}" in cause
    # A hold without a contract links to the hold itself.
    assert url(Hold, "change", hold.pk) in model_admin.cause(post)
    # With a contract, the link goes to the contract.
    hold.contract = Contract(pk=4242, number="2026-000042")
    post.hold = hold
    assert url(Contract, "change", 4242) in model_admin.cause(post)
    credit = Transfer.objects.get(idempotency_key="credit")
    assert model_admin.cause(credit) == "—"
    response = admin_client.get(url(Transfer, "changelist"))
    assert f"Сторно проводки #{post.pk}" in response.content.decode()
