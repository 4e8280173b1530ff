"""The program page's reads, written by hand (see `common.rawsql`).

Half the requests of a rush go to program pages, most of them to a program nobody asked for a
minute before, so nothing cached spares these reads. Through the ORM the page's four queries
(the program and its provider, its running groups with their teachers, their weekly schedule,
their planned lessons) cost more CPU to build than to run — about 3 ms a page, most of a
program page's own work (bench/page_cpu.py). Here they are three statements (the program, its
provider and its groups joined in one), each written once from the models' metadata, and their
rows read as the ORM would read them — but the lessons, which the page only counts and sums
(a course's hundred rows for three figures a group), are counted by the database;
tests/test_program_page_sql.py holds them equal to the ORM's queries (catalog.selectors and
catalog.course_costs).
"""

import datetime
import functools
from typing import Any

from django.db import connection

from kruzhok.accounts.models import User
from kruzhok.catalog.models import Group, Lesson, LessonStatus, Program, ProgramState, ScheduleSlot
from kruzhok.catalog.selectors import TEACHER_UNSHOWN
from kruzhok.common.rawsql import (
    Aliased,
    instance_from_row,
    instance_or_none,
    model_fields,
    placeholders,
    split_row,
)
from kruzhok.providers.models import Provider, ProviderStatus

# What selectors.program_get_published leaves out: the search documents nobody reads back.
PROGRAM_FIELDS = tuple(
    name for name in model_fields(Program) if name not in ("search_document", "title_document")
)
PROVIDER_FIELDS = model_fields(Provider)
GROUP_FIELDS = model_fields(Group)
TEACHER_FIELDS = tuple(name for name in model_fields(User) if name not in TEACHER_UNSHOWN)
SLOT_FIELDS = model_fields(ScheduleSlot)


@functools.cache
def _program_statement(vendor: str) -> str:
    p, v = Aliased(Program, "p"), Aliased(Provider, "v")
    g, t = Aliased(Group, "g"), Aliased(User, "t")
    return (
        f"SELECT {p.columns(PROGRAM_FIELDS)}, {v.columns(PROVIDER_FIELDS)}, "
        f"{g.columns(GROUP_FIELDS)}, {t.columns(TEACHER_FIELDS)} "
        f"FROM {p.table} INNER JOIN {v.table} ON {v.pk} = {p['provider']} "
        f"LEFT OUTER JOIN {g.table} ON {g['program']} = {p.pk} AND {g['end_date']} >= %s "
        f"LEFT OUTER JOIN {t.table} ON {t.pk} = {g['teacher']} "
        f"WHERE {p.pk} = %s AND {p['state']} = %s AND {v['status']} = %s "
        f"ORDER BY {g['start_date']}, {g['name']}, {g.pk}"
    )


def program_with_running_groups(
    *, pk: int, today: datetime.date
) -> tuple[Program, list[Group]] | None:
    """selectors.program_get_published's program with its provider (None where that is
    Http404), and selectors.group_list_for_program's groups running on `today`, earliest
    start first, each with its teacher's name and `program` set: one statement. Their
    schedules are schedule_slots'."""
    with connection.cursor() as cursor:
        cursor.execute(
            _program_statement(connection.vendor),
            [
                connection.ops.adapt_datefield_value(today),
                pk,
                ProgramState.PUBLISHED.value,
                ProviderStatus.APPROVED.value,
            ],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    widths = (len(PROGRAM_FIELDS), len(PROVIDER_FIELDS), len(GROUP_FIELDS), len(TEACHER_FIELDS))
    program_values, provider_values, *_ = split_row(rows[0], *widths)
    program = instance_from_row(Program, PROGRAM_FIELDS, program_values)
    program.provider = instance_from_row(Provider, PROVIDER_FIELDS, provider_values)
    groups = []
    for row in rows:
        _, _, group_values, teacher_values, _ = split_row(row, *widths)
        group = instance_or_none(Group, GROUP_FIELDS, group_values)
        if group is None:  # a program without running groups: its one row
            continue
        group.program = program
        group.teacher = instance_or_none(User, TEACHER_FIELDS, teacher_values)
        groups.append(group)
    return program, groups


@functools.cache
def _slots_statement(vendor: str, count: int) -> str:
    s = Aliased(ScheduleSlot, "s")
    return (
        f"SELECT {s.columns(SLOT_FIELDS)} FROM {s.table} "
        f"WHERE {s['group']} IN ({placeholders(count)}) "
        f"ORDER BY {s['weekday']}, {s['start_time']}, {s.pk}"
    )


def schedule_slots(*, group_ids: list[int]) -> dict[int, list[ScheduleSlot]]:
    """Each group's weekly classes by weekday and time, by group id (every id given has its
    list, empty for a group without a schedule)."""
    slots: dict[int, list[ScheduleSlot]] = {pk: [] for pk in group_ids}
    if not group_ids:
        return slots
    with connection.cursor() as cursor:
        cursor.execute(_slots_statement(connection.vendor, len(group_ids)), group_ids)
        rows = cursor.fetchall()
    for row in rows:
        slot = instance_from_row(ScheduleSlot, SLOT_FIELDS, row)
        slots[slot.group_id].append(slot)
    return slots


@functools.cache
def _lesson_totals_statement(vendor: str, count: int) -> str:
    lesson, g = Aliased(Lesson, "l"), Aliased(Group, "g")
    if vendor == "postgresql":
        since, month = f"GREATEST({g['start_date']}, %s)", f"date_trunc('month', {lesson['date']})"
    else:  # SQLite: dates are ISO text, and MAX of two values is the later one
        since, month = f"MAX({g['start_date']}, %s)", f"strftime('%%Y-%%m', {lesson['date']})"
    return (
        f"SELECT {lesson['group']}, COUNT(*), SUM({lesson['hours']}), COUNT(DISTINCT {month}) "
        f"FROM {lesson.table} INNER JOIN {g.table} ON {g.pk} = {lesson['group']} "
        f"WHERE {lesson['group']} IN ({placeholders(count)}) AND {lesson['status']} = %s "
        f"AND {lesson['date']} >= {since} "
        f"GROUP BY {lesson['group']}"
    )


def planned_lesson_totals(
    *, group_ids: list[int], today: datetime.date
) -> dict[int, tuple[int, int, int]]:
    """(lessons, academic hours, calendar months) of each group's planned lessons from the
    later of its start and `today`, by group id, counted by the database (a group without any
    is not in it): what course_costs.group_course_costs counts from the lessons themselves, a
    course's hundred rows not carried to Python for three figures."""
    if not group_ids:
        return {}
    params: list[Any] = [
        *group_ids,
        LessonStatus.PLANNED.value,
        connection.ops.adapt_datefield_value(today),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_lesson_totals_statement(connection.vendor, len(group_ids)), params)
        rows = cursor.fetchall()
    return {group_id: (lessons, hours, months) for group_id, lessons, hours, months in rows}
