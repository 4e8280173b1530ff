"""Cancelling and moving lessons (catalog.lessons), on the frozen clock of Thu 15.10.2026."""

import datetime

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.attendance.lessons import LessonChangeError, lesson_cancel, lesson_move
from kruzhok.attendance.services import AttendanceError, attendance_mark
from kruzhok.billing import services as billing_services
from kruzhok.catalog import lessons as catalog_lessons
from kruzhok.catalog.models import LessonChange, LessonStatus
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import (
    TODAY,
    child_make,
    group_make,
    neighbour_contract,
    provider_make,
    user_make,
)
from kruzhok.notifications.models import Notification
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import StaffRole

TUESDAY_NEXT = datetime.date(2026, 10, 20)
THREE_PM = datetime.time(15, 0)


def lesson_notes():
    """Notifications about lessons (enrolment sends its own about applications and contracts)."""
    return Notification.objects.filter(subject__startswith="Занятие")


@pytest.fixture
def contract(world):
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    return enrollment_services.contract_accept(parent=world.parent, application=application)


@pytest.fixture
def lesson_today(world):
    return world.group.lessons.get(date=TODAY)


@pytest.fixture
def next_lesson(world):
    return world.group.lessons.get(date=TUESDAY_NEXT)


# Cancelling ---------------------------------------------------------------------------------


def test_the_teacher_cancels_a_lesson_and_the_family_is_told_why(world, contract, next_lesson):
    lesson_cancel(actor=world.teacher, lesson=next_lesson, reason="Педагог на курсах")
    next_lesson.refresh_from_db()
    assert next_lesson.status == LessonStatus.CANCELLED
    change = LessonChange.objects.get(lesson=next_lesson)
    assert (change.kind, change.from_date, change.actor) == (
        "cancelled",
        TUESDAY_NEXT,
        world.teacher,
    )
    assert change.reason == "Педагог на курсах"
    note = lesson_notes().get(user=world.parent)
    assert "20.10.2026" in note.subject and "отменено" in note.subject
    assert "Педагог на курсах" in note.body and "Робототехника" in note.body


def test_only_families_under_contract_in_the_group_are_told(world, contract, next_lesson):
    other_parent = user_make(Role.PARENT, world.municipality)
    other_child = child_make(other_parent)
    other_group = group_make(world.program, world.teacher)
    application = enrollment_services.application_submit(
        parent=other_parent, child_id=other_child.pk, group_id=other_group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    enrollment_services.contract_accept(parent=other_parent, application=application)
    applicant = user_make(Role.PARENT, world.municipality)  # applied, no contract yet
    enrollment_services.application_submit(
        parent=applicant, child_id=child_make(applicant).pk, group_id=world.group.pk
    )
    lesson_cancel(actor=world.admin, lesson=next_lesson, reason="Ремонт зала")
    assert list(lesson_notes().values_list("user_id", flat=True)) == [world.parent.pk]


def test_a_cancelled_lesson_cannot_be_marked_so_it_is_never_charged(world, contract, lesson_today):
    before = certificate_money(certificate=contract.certificate)
    lesson_cancel(actor=world.teacher, lesson=lesson_today, reason="Болезнь педагога")
    with pytest.raises(AttendanceError, match="отменено"):
        attendance_mark(actor=world.teacher, lesson=lesson_today, contract=contract, present=True)
    assert not Charge.objects.exists()
    assert certificate_money(certificate=contract.certificate) == before


def test_a_lesson_with_children_marked_present_is_neither_cancelled_nor_moved(
    world, contract, lesson_today
):
    attendance_mark(actor=world.teacher, lesson=lesson_today, contract=contract, present=True)
    with pytest.raises(LessonChangeError, match="оплачено"):
        lesson_cancel(actor=world.teacher, lesson=lesson_today, reason="Ошибка")
    with pytest.raises(LessonChangeError, match="оплачено"):
        lesson_move(
            actor=world.teacher,
            lesson=lesson_today,
            new_date=TODAY + datetime.timedelta(days=1),
            new_start_time=THREE_PM,
        )
    lesson_today.refresh_from_db()
    assert (lesson_today.status, lesson_today.date) == (LessonStatus.PLANNED, TODAY)
    assert not LessonChange.objects.exists()
    assert not lesson_notes().exists()


def test_a_lesson_with_only_absences_marked_may_be_cancelled(world, contract, lesson_today):
    attendance_mark(actor=world.teacher, lesson=lesson_today, contract=contract, present=False)
    lesson_cancel(actor=world.teacher, lesson=lesson_today, reason="Никто не пришёл: карантин")
    lesson_today.refresh_from_db()
    assert lesson_today.status == LessonStatus.CANCELLED


def test_a_teacher_of_another_group_cannot_cancel(world, contract, next_lesson):
    colleague = user_make(Role.PROVIDER)
    provider_services.provider_staff_add(
        provider=world.provider, user=colleague, role=StaffRole.TEACHER
    )
    group_make(world.program, colleague)
    _, stranger_admin, _ = provider_make(world.municipality)
    for actor in (colleague, stranger_admin):
        with pytest.raises(LessonChangeError, match="педагог и администратор"):
            lesson_cancel(actor=actor, lesson=next_lesson, reason="Не моя группа")
    next_lesson.refresh_from_db()
    assert next_lesson.status == LessonStatus.PLANNED


def test_a_reason_is_required_and_a_second_cancel_is_refused(world, next_lesson):
    with pytest.raises(LessonChangeError, match="причину"):
        lesson_cancel(actor=world.teacher, lesson=next_lesson, reason="  ")
    lesson_cancel(actor=world.teacher, lesson=next_lesson, reason="Праздник в школе")
    with pytest.raises(LessonChangeError, match="уже отменено"):
        lesson_cancel(actor=world.teacher, lesson=next_lesson, reason="Ещё раз")
    assert LessonChange.objects.count() == 1


def test_a_lesson_of_a_closed_month_is_not_changed(world, operator):
    september = world.group.lessons.filter(date__month=9).first()
    billing_services.month_close(
        actor=operator, municipality=world.municipality, month=datetime.date(2026, 9, 1)
    )
    with pytest.raises(LessonChangeError, match="сентябрь 2026 закрыт"):
        lesson_cancel(actor=world.admin, lesson=september, reason="Задним числом")


def test_a_lesson_of_a_month_closed_by_a_childs_home_municipality_is_not_changed(world):
    """A child of another municipality studies in the group: that municipality funds the
    certificate and bills the month, so once it has closed October the group's October lessons
    are neither cancelled nor moved into it, although the provider's own has not closed it."""
    home, _ = neighbour_contract(world)
    october = world.group.lessons.get(date=TUESDAY_NEXT)  # the child studies from 15.10
    later = world.group.lessons.filter(date__month=11).first()
    billing_services.month_close(
        actor=user_make(Role.OPERATOR, home),
        municipality=home,
        month=datetime.date(2026, 10, 1),
        today=datetime.date(2026, 11, 2),
    )

    with pytest.raises(LessonChangeError, match="октябрь 2026 закрыт"):
        lesson_cancel(actor=world.admin, lesson=october, reason="Задним числом")
    with pytest.raises(LessonChangeError, match="октябрь 2026 закрыт"):
        lesson_move(
            actor=world.admin,
            lesson=later,
            new_date=datetime.date(2026, 10, 28),
            new_start_time=datetime.time(19, 30),
        )
    # The provider's own municipality has closed nothing: its other months change as before.
    lesson_cancel(actor=world.admin, lesson=later, reason="Карантин")


@pytest.fixture
def operator(world):
    return user_make(Role.OPERATOR, world.municipality)


# Moving -------------------------------------------------------------------------------------


def test_a_moved_lesson_keeps_its_row_and_the_family_gets_both_dates(world, contract, next_lesson):
    wednesday = datetime.date(2026, 10, 21)
    lesson_move(
        actor=world.teacher,
        lesson=next_lesson,
        new_date=wednesday,
        new_start_time=datetime.time(16, 30),
        reason="Зал занят",
    )
    next_lesson.refresh_from_db()
    assert (next_lesson.date, next_lesson.start_time) == (wednesday, datetime.time(16, 30))
    change = LessonChange.objects.get(lesson=next_lesson)
    assert (change.kind, change.from_date, change.from_time) == ("moved", TUESDAY_NEXT, THREE_PM)
    assert (change.to_date, change.to_time) == (wednesday, datetime.time(16, 30))
    note = lesson_notes().get(user=world.parent)
    assert "с 20.10.2026 15:00 на 21.10.2026 16:30" in note.body and "Зал занят" in note.body


def test_generating_lessons_again_does_not_refill_the_slot_a_lesson_left(world, next_lesson):
    count = world.group.lessons.count()
    lesson_move(
        actor=world.teacher,
        lesson=next_lesson,
        new_date=datetime.date(2026, 10, 21),
        new_start_time=THREE_PM,
    )
    assert catalog_lessons.lessons_generate(group=world.group) == 0
    assert world.group.lessons.count() == count
    assert not world.group.lessons.filter(date=TUESDAY_NEXT).exists()


def test_a_moved_lesson_is_marked_on_its_new_day(world, contract, time_machine):
    friday = datetime.date(2026, 10, 16)
    lesson = world.group.lessons.get(date=TUESDAY_NEXT)
    lesson_move(actor=world.teacher, lesson=lesson, new_date=friday, new_start_time=THREE_PM)
    with pytest.raises(AttendanceError, match="ещё не прошло"):
        attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    time_machine.move_to(datetime.datetime(2026, 10, 16, 18, 0), tick=False)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    assert Charge.objects.filter(lesson=lesson).count() == 1


@pytest.mark.parametrize(
    ("new_date", "new_time", "message"),
    [
        (datetime.date(2026, 10, 14), THREE_PM, "сегодня или на будущий день"),
        (datetime.date(2026, 11, 4), THREE_PM, "праздничный"),
        (datetime.date(2027, 1, 12), THREE_PM, "выберите день в эти сроки"),
        (datetime.date(2026, 10, 22), THREE_PM, "уже есть занятие"),
        (TUESDAY_NEXT, THREE_PM, "совпадают"),
    ],
)
def test_a_move_to_an_impossible_slot_is_refused(world, next_lesson, new_date, new_time, message):
    with pytest.raises(LessonChangeError, match=message):
        lesson_move(
            actor=world.teacher, lesson=next_lesson, new_date=new_date, new_start_time=new_time
        )
    next_lesson.refresh_from_db()
    assert next_lesson.date == TUESDAY_NEXT
    assert not LessonChange.objects.exists()


# Pages ------------------------------------------------------------------------------------


def test_cancelling_through_the_page_then_marking_is_refused_end_to_end(
    client, world, contract, lesson_today
):
    client.force_login(world.teacher)
    page = client.get(reverse("attendance:lesson", args=[lesson_today.pk])).content.decode()
    assert reverse("attendance:lesson_change", args=[lesson_today.pk]) in page
    response = client.post(
        reverse("attendance:lesson_change", args=[lesson_today.pk]),
        {"action": "cancel", "cancel-reason": "Отключили отопление"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": lesson_today.pk, "contract": contract.pk, "present": "1", "variant": "row"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "отменено" in response.content.decode()
    assert not Charge.objects.exists()
    page = client.get(reverse("attendance:lesson", args=[lesson_today.pk])).content.decode()
    assert "Отключили отопление" in page and "отменено" in page
    assert "Отменить или перенести" not in page


def test_moving_through_the_page_explains_a_refusal(client, world, next_lesson):
    client.force_login(world.teacher)
    url = reverse("attendance:lesson_change", args=[next_lesson.pk])
    response = client.post(
        url, {"action": "move", "move-new_date": "2026-11-04", "move-new_start_time": "15:00"}
    )
    assert response.status_code == 409
    assert "праздничный" in response.content.decode()
    response = client.post(url, {"action": "move", "move-new_date": "", "move-new_start_time": ""})
    assert response.status_code == 400
    assert "Укажите новую дату" in response.content.decode()
    response = client.post(
        url, {"action": "move", "move-new_date": "2026-10-21", "move-new_start_time": "17:00"}
    )
    assert response.status_code == 302
    next_lesson.refresh_from_db()
    assert next_lesson.date == datetime.date(2026, 10, 21)


def test_a_cancel_without_a_reason_is_shown_back(client, world, next_lesson):
    client.force_login(world.teacher)
    response = client.post(
        reverse("attendance:lesson_change", args=[next_lesson.pk]),
        {"action": "cancel", "cancel-reason": ""},
    )
    assert response.status_code == 400
    assert "Напишите причину отмены" in response.content.decode()


def test_the_change_page_of_another_providers_lesson_is_not_found(client, world, next_lesson):
    _, stranger_admin, stranger_teacher = provider_make(world.municipality)
    for user in (stranger_admin, stranger_teacher):
        client.force_login(user)
        url = reverse("attendance:lesson_change", args=[next_lesson.pk])
        assert client.get(url).status_code == 404
        response = client.post(url, {"action": "cancel", "cancel-reason": "Чужое"})
        assert response.status_code == 404
    next_lesson.refresh_from_db()
    assert next_lesson.status == LessonStatus.PLANNED
    client.force_login(world.parent)
    assert client.get(url).status_code == 403
