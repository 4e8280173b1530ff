"""What a new application is checked against, read in one statement.

At a rush every parent's click runs these checks, and building the half-dozen ORM queries
they used to take cost more CPU than everything else in the request together. This is the
same reading as one plain parameterised SELECT, built once per database vendor (PostgreSQL
and SQLite speak this dialect): the group with its program and provider, the child, whether
the user is the child's guardian, the enrolment windows of the group and of its program,
whether the child already has a live application in the group, in how many other
certificate-paid programs the child has a live application, and the per-child limit of the
financing program in force. The reading takes no lock: what a race could change is settled
when the application is written, by the seat counter, the unique live-application index and
`other_certificate_programs_locked`.

The rows become model instances as the ORM would load them (`common.rawsql`), so a field not
read here is loaded lazily if someone asks for it, never invented. `enrollment_window_for_group` and
`certificates.services.financing_program_current` answer the same questions through the ORM
elsewhere (the program in force: `certificates.selectors.financing_programs_in_force`);
enrollment/tests/test_submission_facts.py holds the two readings equal.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db import connection

from kruzhok.catalog.models import FinancingSource, Group, Program, Provider
from kruzhok.certificates.models import FinancingProgram
from kruzhok.common.rawsql import (
    columns,
    constants,
    for_update,
    instance_from_row,
    instance_or_none,
    model_fields,
    split_row,
    table,
)
from kruzhok.enrollment.models import (
    LIVE_STATUSES,
    Application,
    EnrollmentWindow,
)
from kruzhok.families.models import Child, Guardianship

GROUP_FIELDS = model_fields(
    Group,
    "id",
    "program_id",
    "name",
    "teacher_id",
    "capacity",
    "seats_taken",
    "start_date",
    "end_date",
    "enrollment_open",
    "auto_accept",
)
PROGRAM_FIELDS = model_fields(
    Program, "id", "provider_id", "title", "age_min", "age_max", "financing_source", "state"
)
PROVIDER_FIELDS = model_fields(Provider, "id", "short_name", "status", "municipality_id")
CHILD_FIELDS = model_fields(
    Child, "id", "last_name", "first_name", "patronymic", "birth_date", "municipality_id"
)
WINDOW_FIELDS = model_fields(
    EnrollmentWindow, "id", "program_id", "group_id", "opens_at", "closes_at"
)


@dataclass(frozen=True)
class SubmissionFacts:
    group: Group  # its program and the program's provider attached
    child: Child
    is_guardian: bool
    # The window that governs the group: its own, else its program's, else None.
    window: EnrollmentWindow | None
    applied_here: bool
    # Certificate-paid programs other than this group's in which the child has a live
    # application (submitted, waiting, accepted, under contract or attending).
    other_certificate_programs: int
    # The financing program in force for the child's municipality: its per-child limit of
    # certificate-paid programs (None: no financing program, or no limit).
    programs_limit: int | None


def _other_certificate_programs(child: str, program: str) -> str:
    """How many other certificate-paid programs the child has a live application in."""
    return f"""(SELECT COUNT(DISTINCT g2.program_id)
          FROM {table(Application)} a
          JOIN {table(Group)} g2 ON g2.id = a.group_id
          JOIN {table(Program)} p2 ON p2.id = g2.program_id
         WHERE a.child_id = {child} AND a.status IN ({constants(LIVE_STATUSES)})
           AND p2.financing_source = '{FinancingSource.CERTIFICATE.value}'
           AND g2.program_id <> {program})"""


def program_in_force_sql(*, municipality: str, day: str) -> str:
    """FROM … LIMIT 1 of the financing program in force (alias f) for a municipality on a
    day, as `certificates.selectors.financing_programs_in_force` chooses it."""
    return f"""FROM {table(FinancingProgram)} f
 WHERE f.municipality_id = {municipality} AND f.closed_at IS NULL
   AND f.period_start <= {day} AND f.period_end >= {day}
 ORDER BY f.period_start DESC LIMIT 1"""


@functools.cache
def _statement(vendor: str) -> str:
    # The status lists are the models' constants, not user input: inlined, they let the
    # database plan the partial index of live applications.
    return f"""
SELECT {columns("g", Group, GROUP_FIELDS)},
       {columns("p", Program, PROGRAM_FIELDS)},
       {columns("v", Provider, PROVIDER_FIELDS)},
       {columns("c", Child, CHILD_FIELDS)},
       {columns("wg", EnrollmentWindow, WINDOW_FIELDS)},
       {columns("wp", EnrollmentWindow, WINDOW_FIELDS)},
       EXISTS (SELECT 1 FROM {table(Guardianship)} gu
               WHERE gu.child_id = c.id AND gu.user_id = %(user)s) AS is_guardian,
       EXISTS (SELECT 1 FROM {table(Application)} a
               WHERE a.child_id = c.id AND a.group_id = g.id
                 AND a.status IN ({constants(LIVE_STATUSES)})) AS applied_here,
       {_other_certificate_programs("c.id", "g.program_id")} AS other_programs,
       (SELECT f.max_programs_per_child
         {program_in_force_sql(municipality="c.municipality_id", day="%(today)s")}
       ) AS programs_limit
  FROM {table(Group)} g
  JOIN {table(Program)} p ON p.id = g.program_id
  JOIN {table(Provider)} v ON v.id = p.provider_id
  JOIN {table(Child)} c ON c.id = %(child)s
  LEFT JOIN {table(EnrollmentWindow)} wg ON wg.group_id = g.id
  LEFT JOIN {table(EnrollmentWindow)} wp ON wp.program_id = g.program_id
 WHERE g.id = %(group)s
"""


@functools.cache
def _lock_child(vendor: str) -> str:
    return f"SELECT 1 FROM {table(Child)} c WHERE c.id = %s{for_update()}"


@functools.cache
def _count(vendor: str) -> str:
    return f"SELECT {_other_certificate_programs('%(child)s', '%(program)s')}"


def other_certificate_programs_locked(*, child_id: int, program_id: int) -> int:
    """Lock the child's row until the transaction ends, then count again the other
    certificate-paid programs the child has a live application in. Every submission under
    the limit takes this lock, so two clicks at once on two groups cannot both pass it. Two
    statements: on PostgreSQL a statement that waited for a lock still reads with the
    snapshot it started with, so the count must start after the lock is held."""
    with connection.cursor() as cursor:
        cursor.execute(_lock_child(connection.vendor), [child_id])
        cursor.execute(_count(connection.vendor), {"child": child_id, "program": program_id})
        return int(cursor.fetchone()[0])


def submission_facts(
    *, user_id: int, child_id: int, group_id: int, today: datetime.date
) -> SubmissionFacts | None:
    """The facts, or None when the group or the child does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(connection.vendor),
            {
                "user": user_id,
                "child": child_id,
                "group": group_id,
                "today": connection.ops.adapt_datefield_value(today),
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    group_values, program_values, provider_values, child_values, own, programs, values = split_row(
        row,
        len(GROUP_FIELDS),
        len(PROGRAM_FIELDS),
        len(PROVIDER_FIELDS),
        len(CHILD_FIELDS),
        len(WINDOW_FIELDS),
        len(WINDOW_FIELDS),
    )
    group = instance_from_row(Group, GROUP_FIELDS, group_values)
    program = instance_from_row(Program, PROGRAM_FIELDS, program_values)
    program.provider = instance_from_row(Provider, PROVIDER_FIELDS, provider_values)
    group.program = program
    is_guardian, applied_here, other_programs, programs_limit = values
    return SubmissionFacts(
        group=group,
        child=instance_from_row(Child, CHILD_FIELDS, child_values),
        is_guardian=bool(is_guardian),
        window=instance_or_none(EnrollmentWindow, WINDOW_FIELDS, own)
        or instance_or_none(EnrollmentWindow, WINDOW_FIELDS, programs),
        applied_here=bool(applied_here),
        other_certificate_programs=int(other_programs),
        programs_limit=programs_limit,
    )
