import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.catalog.admin import ProviderAdminForm
from kruzhok.catalog.models import Lesson, ProviderKind, ProviderStatus
from kruzhok.catalog.tests.factories import GroupFactory, municipality_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(
        "admin@example.ru", "пароль-администратора", last_name="Админов", first_name="Олег"
    )
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["provider", "program", "group", "lesson"])
def test_admin_lists_and_add_forms_open(admin_client, model):
    group = GroupFactory.create()

    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200
    pk = {
        "provider": group.program.provider_id,
        "program": group.program_id,
        "group": group.pk,
        "lesson": Lesson.objects.filter(group=group).values_list("pk", flat=True)[0],
    }[model]
    change_url = reverse(f"admin:catalog_{model}_change", args=[pk])
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


def test_admin_cannot_edit_seats_taken(admin_client):
    group = GroupFactory.create()

    html = admin_client.get(reverse("admin:catalog_group_change", args=[group.pk])).content
    assert b'name="seats_taken"' not in html
