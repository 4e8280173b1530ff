"""The program page's reads, written by hand (see `common.rawsql`).

Half the requests of a rush go to program pages, most of them to a program nobody asked for a
minute before, so nothing cached spares these reads. Through the ORM the page's four queries
(the program and its provider, its running groups with their teachers, their weekly schedule,
their planned lessons) cost more CPU to build than to run — about 3 ms a page, most of a
program page's own work (bench/page_cpu.py). Here they are one statement, written once from
the models' metadata, and its rows read as the ORM would read them — but the lessons, which
the page only counts and sums (a course's hundred rows for three figures a group), are counted
by the database. Three statements, one after the other, cost the portal and PostgreSQL about
0.3 ms more a page than one (interleaved on 3,000 programs). tests/test_program_page_sql.py
holds what it reads equal to the ORM's queries (catalog.selectors and catalog.course_costs).
"""

import datetime
import functools
from typing import NamedTuple

from django.db import connection

from kruzhok.accounts.models import User
from kruzhok.catalog.models import Group, Lesson, LessonStatus, Program, ProgramState, ScheduleSlot
from kruzhok.catalog.selectors import TEACHER_UNSHOWN
from kruzhok.common.rawsql import (
    Aliased,
    instance_from_row,
    instance_or_none,
    model_fields,
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


class ProgramRead(NamedTuple):
    """A published program with its provider and its running groups, earliest start first
    (each with its teacher and `program` set), their weekly classes by group id (a list, empty
    for a group without a schedule) and their planned lessons' totals by group id (lessons,
    academic hours, calendar months from the later of the group's start and today; a group
    without any is not in it)."""

    program: Program
    groups: list[Group]
    schedules: dict[int, list[ScheduleSlot]]
    lesson_totals: dict[int, tuple[int, int, int]]


@functools.cache
def _program_statement(vendor: str) -> str:
    p, v = Aliased(Program, "p"), Aliased(Provider, "v")
    g, t, s = Aliased(Group, "g"), Aliased(User, "t"), Aliased(ScheduleSlot, "s")
    lesson, lg = Aliased(Lesson, "l"), Aliased(Group, "lg")
    if vendor == "postgresql":
        since = f"GREATEST({lg['start_date']}, %(today)s)"
        month = f"date_trunc('month', {lesson['date']})"
    else:  # SQLite: dates are ISO text, and MAX of two values is the later one
        since = f"MAX({lg['start_date']}, %(today)s)"
        month = f"strftime('%%Y-%%m', {lesson['date']})"
    # The running groups' planned lessons, counted and summed by the database: a course's
    # hundred rows are not carried to Python for three figures.
    totals = (
        f"SELECT {lesson['group']} AS group_id, COUNT(*) AS lessons, "
        f"SUM({lesson['hours']}) AS hours, COUNT(DISTINCT {month}) AS months "
        f"FROM {lesson.table} INNER JOIN {lg.table} ON {lg.pk} = {lesson['group']} "
        f"WHERE {lg['program']} = %(program)s AND {lg['end_date']} >= %(today)s "
        f"AND {lesson['status']} = %(planned)s AND {lesson['date']} >= {since} "
        f"GROUP BY {lesson['group']}"
    )
    # A row a group's class (one for a group without a schedule, one for a program without
    # running groups): a page's groups have a few classes each.
    return (
        f"SELECT {p.columns(PROGRAM_FIELDS)}, {v.columns(PROVIDER_FIELDS)}, "
        f"{g.columns(GROUP_FIELDS)}, {t.columns(TEACHER_FIELDS)}, {s.columns(SLOT_FIELDS)}, "
        "lt.lessons, lt.hours, lt.months "
        f"FROM {p.table} INNER JOIN {v.table} ON {v.pk} = {p['provider']} "
        f"LEFT OUTER JOIN {g.table} ON {g['program']} = {p.pk} AND {g['end_date']} >= %(today)s "
        f"LEFT OUTER JOIN {t.table} ON {t.pk} = {g['teacher']} "
        f"LEFT OUTER JOIN {s.table} ON {s['group']} = {g.pk} "
        f"LEFT OUTER JOIN ({totals}) lt ON lt.group_id = {g.pk} "
        f"WHERE {p.pk} = %(program)s AND {p['state']} = %(published)s "
        f"AND {v['status']} = %(approved)s "
        f"ORDER BY {g['start_date']}, {g['name']}, {g.pk}, "
        f"{s['weekday']}, {s['start_time']}, {s.pk}"
    )


def program_page_rows(*, pk: int, today: datetime.date) -> ProgramRead | None:
    """selectors.program_get_published's program with its provider (None where that is
    Http404), selectors.group_list_for_program's groups running on `today`, their schedules
    and their planned lessons' totals (course_costs.group_course_costs counts them from the
    lessons themselves): one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _program_statement(connection.vendor),
            {
                "program": pk,
                "today": connection.ops.adapt_datefield_value(today),
                "published": ProgramState.PUBLISHED.value,
                "approved": ProviderStatus.APPROVED.value,
                "planned": LessonStatus.PLANNED.value,
            },
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    widths = (
        len(PROGRAM_FIELDS),
        len(PROVIDER_FIELDS),
        len(GROUP_FIELDS),
        len(TEACHER_FIELDS),
        len(SLOT_FIELDS),
    )
    program_values, provider_values, *_ = split_row(rows[0], *widths)
    program = instance_from_row(Program, PROGRAM_FIELDS, program_values)
    program.provider = instance_from_row(Provider, PROVIDER_FIELDS, provider_values)
    read = ProgramRead(program, [], {}, {})
    group: Group | None = None
    for row in rows:
        _, _, group_values, teacher_values, slot_values, totals = split_row(row, *widths)
        if group is None or group.pk != group_values[0]:
            group = instance_or_none(Group, GROUP_FIELDS, group_values)
            if group is None:  # a program without running groups: its one row
                break
            group.program = program
            group.teacher = instance_or_none(User, TEACHER_FIELDS, teacher_values)
            read.groups.append(group)
            read.schedules[group.pk] = []
            if totals[0] is not None:
                read.lesson_totals[group.pk] = (int(totals[0]), int(totals[1]), int(totals[2]))
        slot = instance_or_none(ScheduleSlot, SLOT_FIELDS, slot_values)
        if slot is not None:
            read.schedules[group.pk].append(slot)
    return read
