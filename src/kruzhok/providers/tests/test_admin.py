import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.providers import joining, moderation
from kruzhok.providers.models import ProviderStaff, StaffRole
from kruzhok.providers.tests.data import join_arguments, operator_make
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(
        "admin@example.ru", "пароль-администратора", last_name="Админов", first_name="Олег"
    )
    client.force_login(admin)
    return client


def test_the_superuser_reads_a_provider_but_cannot_add_or_change_one(admin_client):
    provider = ProviderFactory.create(short_name="Кванторик")

    assert admin_client.get(reverse("admin:providers_provider_changelist")).status_code == 200
    change_url = reverse("admin:providers_provider_change", args=[provider.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200 and "Кванторик" in page.content.decode()
    assert admin_client.get(reverse("admin:providers_provider_add")).status_code == 403
    assert admin_client.post(change_url, {"short_name": "Чужой"}).status_code == 403
    provider.refresh_from_db()
    assert provider.short_name == "Кванторик"


def test_staff_cannot_be_reassigned_in_the_admin(admin_client, municipality):
    """The probe's attack: a POST to the provider's page moving its staff elsewhere."""
    staff = joining.provider_join(**join_arguments(municipality))
    other = ProviderFactory.create()
    membership = ProviderStaff.objects.get(provider=staff.provider, user=staff.user)
    change_url = reverse("admin:providers_provider_change", args=[other.pk])
    response = admin_client.post(
        change_url,
        {
            "staff-TOTAL_FORMS": "1",
            "staff-INITIAL_FORMS": "0",
            "staff-0-user": str(staff.user.pk),
            "staff-0-role": StaffRole.ADMIN,
        },
    )
    assert response.status_code == 403
    assert list(ProviderStaff.objects.filter(user=staff.user)) == [membership]


@pytest.mark.parametrize("model", ["providermoderationevent", "staffinvitation"])
def test_history_and_invitations_are_shown_read_only(admin_client, municipality, model):
    staff = joining.provider_join(**join_arguments(municipality))
    moderation.provider_approve(operator=operator_make(municipality), provider=staff.provider)
    assert admin_client.get(reverse(f"admin:providers_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:providers_{model}_add")).status_code == 403
