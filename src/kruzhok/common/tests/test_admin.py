import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.common.models import AuditEvent, Municipality
from kruzhok.common.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return User.objects.create_superuser(
        "admin@example.ru", "Admin-2026-parol", last_name="Админов", first_name="Пётр"
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_municipality_can_be_edited_but_not_deleted(admin_client):
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    change = reverse("admin:common_municipality_change", args=[municipality.pk])
    response = admin_client.post(
        change,
        {
            "name": "Нефтекумский муниципальный округ",
            "region_code": "26",
            "region_name": "Ставропольский край",
            "children_population": "9500",
        },
    )
    assert response.status_code == 302
    municipality.refresh_from_db()
    assert municipality.children_population == 9500
    delete = reverse("admin:common_municipality_delete", args=[municipality.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_audit_journal_is_read_only(admin_client, admin_user):
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    event = audit_record(actor=admin_user, action="municipality.update", obj=municipality)
    changelist = reverse("admin:common_auditevent_changelist")
    response = admin_client.get(changelist)
    assert response.status_code == 200 and "municipality.update" in response.content.decode()
    change = reverse("admin:common_auditevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"action": "edited"}).status_code == 403
    assert admin_client.get(reverse("admin:common_auditevent_add")).status_code == 403
    delete = reverse("admin:common_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "municipality.update"
    assert AuditEvent.objects.count() == 1


def test_a_list_is_titled_by_its_plural_name_not_a_misdeclined_prompt(admin_client):
    html = admin_client.get(reverse("admin:common_municipality_changelist")).content.decode()

    assert "Выберите муниципалитет для изменения" not in html
    assert "<h1>Муниципалитеты</h1>" in html
