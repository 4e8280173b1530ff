import pytest
from django.urls import reverse

from kruzhok.attendance.models import AttendanceMark
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import TODAY, provider_make


@pytest.fixture
def contract(world):
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    return enrollment_services.contract_accept(parent=world.parent, application=application)


@pytest.fixture
def lesson(world):
    return world.group.lessons.get(date=TODAY)


def test_the_teacher_sees_the_lesson_roster(client, world, contract, lesson):
    client.force_login(world.teacher)
    page = client.get(reverse("attendance:lesson", args=[lesson.pk])).content.decode()
    assert world.child.initials_name in page
    assert "Был" in page


def test_marking_by_htmx_returns_the_updated_row(client, world, contract, lesson):
    client.force_login(world.teacher)
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": contract.pk, "present": "1", "variant": "row"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert AttendanceMark.objects.get().present is True
    assert Charge.objects.count() == 1


def test_the_month_journal_shows_marks(client, world, contract, lesson):
    client.force_login(world.teacher)
    client.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": contract.pk, "present": "1", "variant": "cell"},
    )
    page = client.get(
        reverse("attendance:journal", args=[world.group.pk]) + "?month=2026-10"
    ).content.decode()
    assert "✓" in page
    assert world.child.initials_name in page


def test_a_teacher_cannot_open_or_mark_another_teachers_group(client, world, contract, lesson):
    _, _, stranger = provider_make(world.municipality)
    client.force_login(stranger)
    assert client.get(reverse("attendance:journal", args=[world.group.pk])).status_code == 404
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": contract.pk, "present": "1"},
    )
    assert response.status_code == 404
    assert not AttendanceMark.objects.exists()


def test_marking_a_future_lesson_explains_why_not(client, world, contract):
    future = world.group.lessons.filter(date__gt=TODAY).first()
    client.force_login(world.teacher)
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": future.pk, "contract": contract.pk, "present": "1", "variant": "row"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "ещё не прошло" in response.content.decode()
    assert not Charge.objects.exists()


def test_a_parent_cannot_open_journals(client, world):
    client.force_login(world.parent)
    assert client.get(reverse("attendance:my_groups")).status_code == 403
