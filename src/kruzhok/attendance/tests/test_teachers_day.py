"""The teacher's day: today's lessons first, a clear saved state, late changes with a reason
that the provider's administrators see, and money-moving marks in the audit journal (time
frozen at Thursday 15.10.2026 18:00, enrollment.tests.world)."""

import datetime

import pytest
from django.urls import reverse

from kruzhok.attendance.services import ReasonRequired, attendance_mark
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import TODAY
from kruzhok.notifications.models import Notification


@pytest.fixture
def a_week_on(time_machine):
    """Move to 23.10.2026: the lesson of 15.10 is then eight days old."""
    time_machine.move_to(datetime.datetime(2026, 10, 23, 18, 0), tick=False)


def test_a_teacher_lands_on_todays_lessons_with_one_tap_per_child(client, world, contract):
    client.force_login(world.teacher)

    for url in (reverse("provider:home"), reverse("attendance:my_groups")):
        page = client.get(url).content.decode()
        assert f"Сегодня, {TODAY:%d.%m.%Y}" in page
        assert 'data-testid="today-lesson"' in page
        assert world.child.initials_name in page
        assert page.count('name="present" value="1"') == 1


def test_the_organisations_page_shows_no_day_to_someone_who_teaches_nothing(
    client, world, contract
):
    client.force_login(world.admin)

    page = client.get(reverse("provider:home")).content.decode()

    assert 'data-testid="today-lesson"' not in page


def test_an_administrator_still_lands_on_the_organisations_page(client, world, contract):
    client.force_login(world.admin)

    response = client.get(reverse("provider:home"))

    assert response.status_code == 200


def test_a_saved_mark_says_so_in_words(client, world, contract, lesson):
    client.force_login(world.teacher)

    response = client.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": contract.pk, "present": "1", "variant": "row"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "✓ Сохранено: был(а)" in html
    assert 'role="status"' in html


def test_a_mark_of_a_lesson_older_than_the_set_days_needs_a_reason(
    world, contract, lesson, a_week_on
):
    with pytest.raises(ReasonRequired, match="укажите причину"):
        attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    assert not Charge.objects.exists()

    attendance_mark(
        actor=world.teacher,
        lesson=lesson,
        contract=contract,
        present=True,
        reason="Журнал вёлся на бумаге",
    )

    assert Charge.objects.filter(reversed_at=None).count() == 1
    event = AuditEvent.objects.get(action="attendance_mark_late")
    assert event.details["reason"] == "Журнал вёлся на бумаге"
    note = Notification.objects.get(user=world.admin, subject="Изменена давняя отметка посещения")
    assert "Журнал вёлся на бумаге" in note.body
    assert "15.10.2026" in note.body


def test_a_mark_within_the_set_days_needs_no_reason(world, contract, time_machine):
    time_machine.move_to(datetime.datetime(2026, 10, 22, 18, 0), tick=False)
    lesson = world.group.lessons.get(date=TODAY)

    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)

    assert not Notification.objects.filter(
        user=world.admin, subject="Изменена давняя отметка посещения"
    ).exists()


def test_repeating_an_old_mark_unchanged_needs_no_reason(world, contract, lesson, time_machine):
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    time_machine.move_to(datetime.datetime(2026, 11, 2, 18, 0), tick=False)

    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)

    assert not AuditEvent.objects.filter(action="attendance_mark_late").exists()


def test_the_lesson_page_asks_for_a_reason_when_the_lesson_is_old(
    client, world, contract, lesson, a_week_on
):
    client.force_login(world.teacher)
    page = client.get(reverse("attendance:lesson", args=[lesson.pk])).content.decode()
    assert "Причина изменения" in page

    response = client.post(
        reverse("attendance:mark"),
        {
            "lesson": lesson.pk,
            "contract": contract.pk,
            "present": "1",
            "variant": "row",
            "change_reason": "Ребёнок пришёл с опозданием, отметили позже",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert Charge.objects.filter(reversed_at=None).count() == 1


def test_marks_that_move_money_are_in_the_familys_audit_journal(world, contract, lesson):
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=False)

    events = AuditEvent.objects.filter(
        object_type="enrollment.contract", object_id=str(contract.pk)
    ).order_by("pk")
    actions = [e.action for e in events if e.action.startswith("attendance_")]
    assert actions == ["attendance_charge", "attendance_charge_reverse"]
    charge = events.get(action="attendance_charge")
    assert charge.details["lesson_date"] == "2026-10-15"
    assert charge.details["child_id"] == world.child.pk
    assert (
        charge.details["certificate_amount"] + charge.details["parent_amount"]
        == (charge.details["lesson_value"])
    )
    assert charge.actor == world.teacher
