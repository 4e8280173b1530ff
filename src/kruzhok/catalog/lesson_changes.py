"""The record of cancelled and moved lessons: its one write, and the reads of it.

A moved lesson keeps its row with the new date and time; the slot it left is remembered here so
that generating lessons from the schedule again does not put a lesson back there
(`lesson_slots_vacated`). The workflow that cancels or moves a lesson, with its checks and the
families' notices, is `attendance.lessons`.
"""

import datetime

from kruzhok.accounts.models import User
from kruzhok.catalog.models import Lesson, LessonChange, LessonChangeKind


def lesson_change_record(
    *,
    lesson: Lesson,
    kind: str,
    from_date: datetime.date,
    from_time: datetime.time,
    actor: User,
    reason: str = "",
) -> LessonChange:
    """Remember that a lesson was cancelled or moved (from where, by whom, why).

    Called by attendance.lessons inside the transaction that changes the lesson; the lesson passed
    already carries its new date and time when it was moved.
    """
    moved = kind == LessonChangeKind.MOVED
    return LessonChange.objects.create(
        lesson=lesson,
        kind=kind,
        from_date=from_date,
        from_time=from_time,
        to_date=lesson.date if moved else None,
        to_time=lesson.start_time if moved else None,
        reason=reason,
        actor=actor,
    )


def lesson_changes_latest(*, lessons: list[Lesson]) -> dict[int, LessonChange]:
    """The latest cancellation or move of each of these lessons that has one."""
    latest: dict[int, LessonChange] = {}
    for change in LessonChange.objects.filter(lesson__in=lessons).order_by("at", "pk"):
        latest[change.lesson_id] = change
    return latest


def lesson_change_history(*, lesson: Lesson) -> list[LessonChange]:
    return list(lesson.changes.select_related("actor").order_by("at", "pk"))


def lesson_slots_vacated(*, group_id: int) -> set[tuple[datetime.date, datetime.time]]:
    """(date, start time) slots of the group that a lesson was moved away from."""
    return set(
        LessonChange.objects.filter(
            lesson__group_id=group_id, kind=LessonChangeKind.MOVED
        ).values_list("from_date", "from_time")
    )
