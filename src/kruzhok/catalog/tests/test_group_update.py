import datetime

import pytest
from django.core.exceptions import ValidationError

from kruzhok.attendance import services as attendance_services
from kruzhok.attendance.models import AttendanceMark
from kruzhok.catalog import groups, seats
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.enrollment.tests.world import TODAY, contract_made, user_make

pytestmark = pytest.mark.django_db

T15, T16 = datetime.time(15, 0), datetime.time(16, 0)
MONDAY, TUESDAY, WEDNESDAY, THURSDAY = 0, 1, 2, 3


def _arguments(group, **changes):
    arguments = {
        "name": group.name,
        "capacity": group.capacity,
        "start_date": group.start_date,
        "end_date": group.end_date,
        "schedule": [(s.weekday, s.start_time, s.hours) for s in group.schedule.all()],
        "teacher": group.teacher,
        "enrollment_open": group.enrollment_open,
        "auto_accept": group.auto_accept,
        "today": TODAY,
    }
    arguments.update(changes)
    return arguments


def _lessons(group, **filters):
    return list(
        Lesson.objects.filter(group=group, **filters)
        .order_by("date", "start_time")
        .values_list("pk", "date", "start_time", "hours", "status")
    )


def test_a_new_schedule_applies_from_tomorrow_and_the_past_stays(world):
    group = world.group
    held = _lessons(group, date__lte=TODAY)
    assert held[-1][1] == TODAY  # today's Thursday lesson

    groups.group_update(
        group=group,
        **_arguments(group, schedule=[(MONDAY, T16, 2), (WEDNESDAY, T16, 1)]),
    )

    assert _lessons(group, date__lte=TODAY) == held
    upcoming = _lessons(group, date__gt=TODAY)
    assert upcoming, "the new schedule has lessons"
    assert {(d.weekday(), t, h) for _, d, t, h, _ in upcoming} == {
        (MONDAY, T16, 2),
        (WEDNESDAY, T16, 1),
    }
    # 4 November 2026 is a Wednesday and a public holiday: no lesson.
    assert datetime.date(2026, 11, 4) not in {d for _, d, *_ in upcoming}
    assert upcoming[0][1] == datetime.date(2026, 10, 19)


def test_a_lesson_with_attendance_is_never_touched(world):
    group = world.group
    contract = contract_made(world)
    today_lesson = Lesson.objects.get(group=group, date=TODAY)
    attendance_services.attendance_mark(
        actor=world.teacher, lesson=today_lesson, contract=contract, present=True
    )
    # A mark on a future lesson (back-filled data, or a move gone wrong): history all the same.
    future = Lesson.objects.get(group=group, date=datetime.date(2026, 10, 20))
    AttendanceMark.objects.create(
        lesson=future, contract=contract, present=False, marked_by=world.teacher
    )

    groups.group_update(group=group, **_arguments(group, schedule=[(MONDAY, T16, 2)]))

    assert Lesson.objects.filter(pk=today_lesson.pk).exists()
    future_after = Lesson.objects.get(pk=future.pk)
    assert (future_after.date, future_after.start_time, future_after.hours) == (
        datetime.date(2026, 10, 20),
        T15,
        2,
    )
    assert AttendanceMark.objects.filter(lesson=future).exists()


def test_the_dates_cannot_leave_out_a_lesson_with_attendance(world):
    group = world.group
    contract = contract_made(world)
    future = Lesson.objects.get(group=group, date=datetime.date(2026, 12, 22))
    AttendanceMark.objects.create(
        lesson=future, contract=contract, present=False, marked_by=world.teacher
    )
    before = _lessons(group)

    with pytest.raises(ValidationError) as error:
        groups.group_update(group=group, **_arguments(group, end_date=datetime.date(2026, 11, 30)))
    assert error.value.message_dict["end_date"] == [
        "Занятие 22.12.2026 уже проведено или отмечено в журнале: окончание не может быть "
        "раньше него."
    ]
    assert _lessons(group) == before


def test_a_group_that_has_started_keeps_its_start_date(world):
    with pytest.raises(ValidationError) as error:
        groups.group_update(
            group=world.group,
            **_arguments(world.group, start_date=datetime.date(2026, 10, 1)),
        )
    assert "01.09.2026" in error.value.message_dict["start_date"][0]


def test_lessons_that_stay_in_the_schedule_keep_their_rows_and_cancellations(world):
    group = world.group
    cancelled = Lesson.objects.get(group=group, date=datetime.date(2026, 10, 22))
    Lesson.objects.filter(pk=cancelled.pk).update(status=LessonStatus.CANCELLED)
    tuesdays = _lessons(group, date__gt=TODAY, start_time=T15, date__week_day=3)

    groups.group_update(
        group=group, **_arguments(group, schedule=[(TUESDAY, T15, 3), (THURSDAY, T15, 2)])
    )

    assert Lesson.objects.get(pk=cancelled.pk).status == LessonStatus.CANCELLED
    after = _lessons(group, date__gt=TODAY, date__week_day=3)
    assert [row[0] for row in after] == [row[0] for row in tuesdays]
    assert {row[3] for row in after} == {3}
    assert {row[3] for row in _lessons(group, date__lte=TODAY)} == {2}


def test_saving_the_same_group_changes_no_lesson(world):
    before = _lessons(world.group)
    groups.group_update(group=world.group, **_arguments(world.group))
    assert _lessons(world.group) == before


def test_a_longer_group_gets_more_lessons_and_a_shorter_one_loses_the_unheld(world):
    group = world.group
    groups.group_update(group=group, **_arguments(group, end_date=datetime.date(2027, 1, 31)))
    january = _lessons(group, date__year=2027)
    # 1–8 January are public holidays in Russia.
    assert january and min(d for _, d, *_ in january) == datetime.date(2027, 1, 12)

    groups.group_update(group=group, **_arguments(group, end_date=datetime.date(2026, 10, 31)))
    assert max(d for _, d, *_ in _lessons(group)) == datetime.date(2026, 10, 29)


def test_capacity_never_drops_below_the_seats_taken(world):
    group = world.group
    assert seats.group_seat_take(group_id=group.pk)
    assert seats.group_seat_take(group_id=group.pk)
    group.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        groups.group_update(group=group, **_arguments(group, capacity=1))
    assert error.value.message_dict["capacity"] == [
        "Уже занято мест: 2. Мест не может стать меньше."
    ]
    group.refresh_from_db()
    assert group.capacity == 10


def test_the_teacher_must_work_for_the_provider(world):
    stranger = user_make()
    with pytest.raises(ValidationError) as error:
        groups.group_update(group=world.group, **_arguments(world.group, teacher=stranger))
    assert list(error.value.message_dict) == ["teacher"]


def test_a_broken_schedule_saves_nothing(world):
    group = world.group
    before = _lessons(group)
    with pytest.raises(ValidationError) as error:
        groups.group_update(
            group=group,
            **_arguments(group, name="Новое имя", schedule=[(MONDAY, T16, 9)]),
        )
    assert list(error.value.message_dict) == ["schedule"]
    group.refresh_from_db()
    assert group.name != "Новое имя"
    assert [(s.weekday, s.start_time) for s in group.schedule.all()] == [
        (TUESDAY, T15),
        (THURSDAY, T15),
    ]
    assert _lessons(group) == before


def test_a_group_that_has_not_started_never_gets_lessons_in_the_past(world):
    group = groups.group_create(
        program=world.program,
        name="Осенняя",
        capacity=5,
        start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2026, 11, 30),
        schedule=[(MONDAY, T16, 1)],
    )
    groups.group_update(group=group, **_arguments(group, start_date=datetime.date(2026, 10, 1)))
    assert min(d for _, d, *_ in _lessons(group)) == datetime.date(2026, 10, 19)
