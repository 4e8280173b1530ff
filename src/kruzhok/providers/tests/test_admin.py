import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.providers import joining, moderation
from kruzhok.providers.admin import ProviderAdminForm
from kruzhok.providers.models import ProviderKind, ProviderStatus
from kruzhok.providers.tests.data import SBER_BIK, SBER_CORR, join_arguments, operator_make
from kruzhok.providers.tests.factories import (
    ProviderFactory,
    inn_organization,
    municipality_default,
    ogrn_organization,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(
        "admin@example.ru", "пароль-администратора", last_name="Админов", first_name="Олег"
    )
    client.force_login(admin)
    return client


def test_admin_lists_and_add_forms_open(admin_client):
    provider = ProviderFactory.create()

    assert admin_client.get(reverse("admin:providers_provider_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:providers_provider_add")).status_code == 200
    change_url = reverse("admin:providers_provider_change", args=[provider.pk])
    assert admin_client.get(change_url).status_code == 200


def test_admin_provider_form_checks_inn_and_ogrn_checksums():
    data = {
        "kind": ProviderKind.ORGANIZATION,
        "full_name": "Учреждение",
        "short_name": "Учреждение",
        "inn": "7707083894",
        "ogrn": "1027700132195",
        "address": "г. Нефтекумск",
        "municipality": municipality_default().pk,
        "status": ProviderStatus.MODERATING,
    }

    form = ProviderAdminForm(data=data)

    assert not form.is_valid()
    assert list(form.errors) == ["inn"]
    form = ProviderAdminForm(data={**data, "inn": "7707083893"})
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("model", ["providermoderationevent", "staffinvitation"])
def test_history_and_invitations_are_shown_read_only(admin_client, municipality, model):
    staff = joining.provider_join(**join_arguments(municipality))
    moderation.provider_approve(operator=operator_make(municipality), provider=staff.provider)
    assert admin_client.get(reverse(f"admin:providers_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:providers_{model}_add")).status_code == 403


def test_the_admin_form_checks_bank_details(municipality):
    data = {
        "kind": ProviderKind.ORGANIZATION,
        "full_name": "Учреждение",
        "short_name": "Учреждение",
        "inn": inn_organization(800_001),
        "ogrn": ogrn_organization(800_001),
        "address": "г. Нефтекумск",
        "municipality": municipality.pk,
        "status": ProviderStatus.MODERATING,
        "bik": SBER_BIK,
        "settlement_account": "40702810060100000000",
        "correspondent_account": SBER_CORR,
    }
    form = ProviderAdminForm(data=data)
    assert not form.is_valid()
    assert list(form.errors) == ["settlement_account"]
