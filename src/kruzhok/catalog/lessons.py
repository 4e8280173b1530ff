"""The lessons a group's weekly schedule puts on the calendar: generating them, skipping
Russian public holidays, and which of them are history that no schedule change touches.

A lesson cancelled or moved is recorded in `catalog.lesson_changes`; the workflow that cancels or
moves one is `attendance.lessons`.
"""

import datetime

import holidays
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from kruzhok.catalog.lesson_changes import lesson_slots_vacated
from kruzhok.catalog.models import Group, Lesson, ScheduleEntry, ScheduleSlot

# A group runs at most one academic year (a financing period): with at most 14 weekly classes
# that is at most ~740 lessons, whatever dates reach the generator.
GROUP_DAYS_MAX = 366


def _days_off(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """Russian public holidays and the non-working days the government moved next to them."""
    calendar = holidays.country_holidays("RU", years=range(start.year, end.year + 1))
    return set(calendar.keys())


def lesson_plan(
    schedule: list[ScheduleEntry], start: datetime.date, end: datetime.date
) -> dict[tuple[datetime.date, datetime.time], int]:
    """Hours of each (date, start time) the schedule puts between start and end, holidays off."""
    plan: dict[tuple[datetime.date, datetime.time], int] = {}
    end = min(end, start + datetime.timedelta(days=GROUP_DAYS_MAX))
    if start > end:
        return plan
    days_off = _days_off(start, end)
    day = start
    while day <= end:
        if day not in days_off:
            for weekday, start_time, hours in schedule:
                if weekday == day.weekday():
                    plan[(day, start_time)] = hours
        day += datetime.timedelta(days=1)
    return plan


@transaction.atomic
def lessons_generate(*, group: Group, date_from: datetime.date | None = None) -> int:
    """Create the group's lessons from its schedule between its start and end dates
    (from `date_from` on, when given: a changed schedule never adds lessons to the past).

    Dates that are Russian public holidays or non-working days (4 November, 1–8 January...)
    are skipped. Idempotent: a lesson already present at that date and time, cancelled or not,
    is kept as it is, so running twice creates nothing new. Returns how many were created.
    """
    # Serialise generators of the same group so the difference below stays exact.
    group = Group.objects.select_for_update().get(pk=group.pk)
    slots = list(group.schedule.all())
    if not slots:
        return 0
    slots_by_weekday: dict[int, list[ScheduleSlot]] = {}
    for slot in slots:
        slots_by_weekday.setdefault(slot.weekday, []).append(slot)
    # group_create and group_update refuse longer groups; this keeps a row written by other
    # means (the admin, a restored backup) from filling the table all the same.
    last = min(group.end_date, group.start_date + datetime.timedelta(days=GROUP_DAYS_MAX))
    days_off = _days_off(group.start_date, last)
    existing = set(group.lessons.values_list("date", "start_time"))
    # A slot a lesson was moved away from stays empty (recorded by catalog.LessonChange).
    existing |= lesson_slots_vacated(group_id=group.pk)
    new_lessons: list[Lesson] = []
    day = max(group.start_date, date_from) if date_from else group.start_date
    while day <= last:
        if day not in days_off:
            for slot in slots_by_weekday.get(day.weekday(), []):
                if (day, slot.start_time) not in existing:
                    new_lessons.append(
                        Lesson(group=group, date=day, start_time=slot.start_time, hours=slot.hours)
                    )
        day += datetime.timedelta(days=1)
    Lesson.objects.bulk_create(new_lessons, batch_size=500)
    return len(new_lessons)


def lessons_with_history(*, group: Group) -> QuerySet[Lesson]:
    """The group's lessons that something else already refers to: attendance marks, charges,
    a recorded move or cancellation. They are history, and a schedule change keeps them.

    Reads every table that refers to lessons (AttendanceMark is the one that matters most), so
    a table added later by another app is respected without a change here.
    """
    lessons = Lesson.objects.filter(group=group)
    referenced = Q()
    for relation in Lesson._meta.related_objects:
        rows = relation.related_model._default_manager.filter(
            **{relation.field.name: OuterRef("pk")}
        )
        referenced |= Q(Exists(rows))
    return lessons.filter(referenced) if referenced else lessons.none()
