import datetime

import pytest

from kruzhok.catalog import lessons
from kruzhok.catalog.models import Lesson, LessonStatus, ScheduleSlot
from kruzhok.catalog.tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

TUESDAY, SATURDAY = 1, 5


def holiday_group():
    """Every day of the week at 10:00, from 1 November 2026 to 15 January 2027."""
    return GroupFactory.create(
        start_date=datetime.date(2026, 11, 1),
        end_date=datetime.date(2027, 1, 15),
        schedule=[(weekday, datetime.time(10), 1) for weekday in range(7)],
    )


def test_lessons_skip_unity_day_and_the_new_year_holidays():
    group = holiday_group()

    dates = set(group.lessons.values_list("date", flat=True))

    assert datetime.date(2026, 11, 4) not in dates
    for day in range(1, 9):
        assert datetime.date(2027, 1, day) not in dates
    assert datetime.date(2026, 11, 3) in dates
    assert datetime.date(2026, 11, 5) in dates
    assert datetime.date(2027, 1, 9) in dates


def test_lessons_keep_within_the_groups_dates():
    group = holiday_group()

    dates = list(group.lessons.values_list("date", flat=True))

    assert min(dates) == datetime.date(2026, 11, 1)
    assert max(dates) == datetime.date(2027, 1, 15)


def test_generating_lessons_twice_creates_nothing_new():
    group = holiday_group()
    count = group.lessons.count()

    assert lessons.lessons_generate(group=group) == 0
    assert group.lessons.count() == count


def test_generation_keeps_a_cancelled_lesson_cancelled_and_fills_a_new_slot():
    group = GroupFactory.create(
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 9, 30),
        schedule=[(TUESDAY, datetime.time(15), 2)],
    )
    Lesson.objects.filter(group=group, date=datetime.date(2026, 9, 8)).update(
        status=LessonStatus.CANCELLED
    )
    ScheduleSlot.objects.create(
        group=group, weekday=SATURDAY, start_time=datetime.time(11), hours=1
    )

    created = lessons.lessons_generate(group=group)

    assert created == 4  # Saturdays 5, 12, 19, 26 September
    assert group.lessons.get(date=datetime.date(2026, 9, 8)).status == LessonStatus.CANCELLED
    assert group.lessons.count() == 5 + 4
