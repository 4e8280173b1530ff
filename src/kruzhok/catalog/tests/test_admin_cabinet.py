import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.catalog import moderation, onboarding
from kruzhok.catalog.admin import ProviderAdminForm
from kruzhok.catalog.models import ProviderKind, ProviderStatus
from kruzhok.catalog.tests.cabinet_data import SBER_BIK, SBER_CORR, join_arguments, operator_make
from kruzhok.catalog.tests.factories import inn_organization, ogrn_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(
        "admin@example.ru", "пароль-администратора", last_name="Админов", first_name="Олег"
    )
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "model", ["providermoderationevent", "programmoderationevent", "staffinvitation"]
)
def test_history_and_invitations_are_shown_read_only(admin_client, municipality, model):
    staff = onboarding.provider_join(**join_arguments(municipality))
    moderation.provider_approve(operator=operator_make(municipality), provider=staff.provider)
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 403


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
