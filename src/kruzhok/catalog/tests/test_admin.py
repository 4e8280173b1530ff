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
def test_the_catalogue_is_shown_but_never_added_or_changed(admin_client, model):
    group = GroupFactory.create()
    lesson = Lesson.objects.filter(group=group).first()
    pk = {"program": group.program_id, "group": group.pk, "lesson": lesson.pk}[model]

    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    change_url = reverse(f"admin:catalog_{model}_change", args=[pk])
    assert admin_client.get(change_url).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 403
    assert admin_client.post(change_url, {}).status_code == 403


def test_a_lesson_cannot_be_moved_in_the_admin(admin_client):
    """The probe's attack: moving a (charged) lesson out of its closed month by hand."""
    group = GroupFactory.create()
    lesson = Lesson.objects.filter(group=group).first()
    before = lesson.date
    change_url = reverse("admin:catalog_lesson_change", args=[lesson.pk])
    response = admin_client.post(
        change_url,
        {
            "group": group.pk,
            "date": "2030-01-01",
            "start_time": "10:00",
            "hours": "1",
            "status": lesson.status,
        },
    )
    assert response.status_code == 403
    lesson.refresh_from_db()
    assert lesson.date == before


def test_the_program_moderation_history_is_shown_read_only(admin_client, municipality):
    staff = joining.provider_join(**join_arguments(municipality))
    moderation.provider_approve(operator=operator_make(municipality), provider=staff.provider)
    url = reverse("admin:catalog_programmoderationevent_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:catalog_programmoderationevent_add")).status_code == 403
