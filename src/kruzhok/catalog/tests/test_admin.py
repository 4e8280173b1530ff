import pytest
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.catalog.models import Lesson
from kruzhok.catalog.tests.factories import GroupFactory
from kruzhok.providers import joining, moderation
from kruzhok.providers.tests.data import join_arguments, operator_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(
        "admin@example.ru", "пароль-администратора", last_name="Админов", first_name="Олег"
    )
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["program", "group", "lesson"])
def test_admin_lists_and_add_forms_open(admin_client, model):
    group = GroupFactory.create()

    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200
    pk = {
        "program": group.program_id,
        "group": group.pk,
        "lesson": Lesson.objects.filter(group=group).values_list("pk", flat=True)[0],
    }[model]
    change_url = reverse(f"admin:catalog_{model}_change", args=[pk])
    assert admin_client.get(change_url).status_code == 200


def test_admin_cannot_edit_seats_taken(admin_client):
    group = GroupFactory.create()

    html = admin_client.get(reverse("admin:catalog_group_change", args=[group.pk])).content
    assert b'name="seats_taken"' not in html


def test_the_program_moderation_history_is_shown_read_only(admin_client, municipality):
    staff = joining.provider_join(**join_arguments(municipality))
    moderation.provider_approve(operator=operator_make(municipality), provider=staff.provider)
    url = reverse("admin:catalog_programmoderationevent_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:catalog_programmoderationevent_add")).status_code == 403
