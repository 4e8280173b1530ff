"""The month grid: marking a whole lesson from its column, moved and cancelled lessons."""

import datetime
import re

from django.urls import reverse

from kruzhok.attendance.lessons import lesson_cancel, lesson_move
from kruzhok.attendance.models import AttendanceMark
from kruzhok.attendance.services import attendance_mark
from kruzhok.attendance.tests.conftest import contract_make
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import child_make


def _journal(client, world, month="2026-10"):
    url = reverse("attendance:journal", args=[world.group.pk]) + f"?month={month}"
    return client.get(url).content.decode()


def test_each_past_lesson_column_offers_all_present_until_everyone_is_marked(
    client, world, contract, lesson
):
    client.force_login(world.teacher)
    page = _journal(client, world)
    all_present = reverse("attendance:mark_all_present", args=[lesson.pk])
    assert all_present in page
    future = world.group.lessons.get(date=datetime.date(2026, 10, 20))
    assert reverse("attendance:mark_all_present", args=[future.pk]) not in page
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=False)
    assert all_present not in _journal(client, world)


def test_all_present_from_the_grid_marks_every_unmarked_child_and_returns_to_the_grid(
    client, world, contract, lesson
):
    second = contract_make(world, child=child_make(world.parent))
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=False)
    client.force_login(world.teacher)
    response = client.post(
        reverse("attendance:mark_all_present", args=[lesson.pk]), {"next": "journal"}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("attendance:journal", args=[world.group.pk]))
    assert "month=2026-10" in response.url
    marks = dict(AttendanceMark.objects.values_list("contract_id", "present"))
    assert marks == {contract.pk: False, second.pk: True}  # a "не был" is not overwritten
    assert Charge.objects.filter(contract=second).count() == 1
    assert not Charge.objects.filter(contract=contract).exists()


def test_the_grid_shows_cancelled_and_moved_lessons(client, world, contract):
    cancelled = world.group.lessons.get(date=datetime.date(2026, 10, 20))
    moved = world.group.lessons.get(date=datetime.date(2026, 10, 22))
    lesson_cancel(actor=world.teacher, lesson=cancelled, reason="Каникулы в школе")
    lesson_move(
        actor=world.teacher,
        lesson=moved,
        new_date=datetime.date(2026, 10, 23),
        new_start_time=datetime.time(15, 0),
    )
    client.force_login(world.teacher)
    page = _journal(client, world)
    assert "отм." in page
    assert re.search(r"перен\.<span class=\"visually-hidden\"> с 22\.10\.2026", page)


def test_a_teacher_cannot_mark_all_in_another_teachers_group(client, world, contract, lesson):
    from kruzhok.enrollment.tests.world import provider_make

    _, _, stranger = provider_make(world.municipality)
    client.force_login(stranger)
    response = client.post(
        reverse("attendance:mark_all_present", args=[lesson.pk]), {"next": "journal"}
    )
    assert response.status_code == 404
    assert not AttendanceMark.objects.exists()


def test_a_teacher_of_group_a_cannot_mark_group_b_of_the_same_provider(
    client, world, contract, lesson
):
    from kruzhok.accounts.models import Role
    from kruzhok.enrollment.tests.world import group_make, user_make
    from kruzhok.providers.models import StaffRole
    from kruzhok.providers.services import provider_staff_add

    teacher_a = user_make(Role.PROVIDER)
    provider_staff_add(provider=world.provider, user=teacher_a, role=StaffRole.TEACHER)
    group_a = group_make(world.program, teacher_a)
    client.force_login(teacher_a)
    assert client.get(reverse("attendance:journal", args=[group_a.pk])).status_code == 200
    assert client.get(reverse("attendance:journal", args=[world.group.pk])).status_code == 404
    assert client.get(reverse("attendance:lesson", args=[lesson.pk])).status_code == 404
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": contract.pk, "present": "1", "variant": "row"},
    )
    assert response.status_code == 404
    assert not AttendanceMark.objects.exists()
