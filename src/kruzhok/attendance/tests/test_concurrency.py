"""A mark and a cancellation racing on one lesson: PostgreSQL only (SQLite serialises writers).

Whatever the timing, a lesson is never both cancelled and charged.
"""

import datetime
import threading

import pytest
from django.db import connection

from kruzhok.attendance.lessons import LessonChangeError, lesson_cancel
from kruzhok.attendance.services import AttendanceError, attendance_mark
from kruzhok.catalog.models import LessonStatus
from kruzhok.enrollment.models import Charge

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(*works) -> list:
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = works[i]()
        except (AttendanceError, LessonChangeError) as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_lesson_is_never_both_cancelled_and_charged(world, contract, time_machine):
    time_machine.move_to(datetime.datetime(2026, 10, 31, 12, 0), tick=False)
    lessons = list(
        world.group.lessons.filter(date__gte=contract.start_date, date__lte="2026-10-31")
    )
    assert len(lessons) >= 4
    for lesson in lessons:
        run_at_once(
            lambda lesson=lesson: attendance_mark(
                actor=world.teacher, lesson=lesson, contract=contract, present=True
            ),
            lambda lesson=lesson: lesson_cancel(actor=world.admin, lesson=lesson, reason="Авария"),
        )
        lesson.refresh_from_db()
        charged = Charge.objects.filter(lesson=lesson, reversed_at=None).exists()
        cancelled = lesson.status == LessonStatus.CANCELLED
        assert charged != cancelled, (lesson, charged, cancelled)
