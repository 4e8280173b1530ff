"""What a new application is checked against, read in one statement, and the recount under
the child's lock.

At a rush every parent's click runs these checks. Through the ORM they are three queries
(the ORM cannot join the group to a child it is not related to) costing 4.4 ms of CPU per
application; this one plain parameterised SELECT costs 0.3 ms (bench/rawsql_cost.py), and
the lock and the recount save 0.25 and 0.65 ms more. It reads the group with its program and
provider, the child, whether the user is the child's guardian, the enrolment windows of the
group and of its program, whether the child already has a live application in the group, in
how many other certificate-paid programs the child has a live application, and the
per-child limit of the financing program in force. The reading takes no lock: what a race
could change is settled when the application is written, by the seat counter, the unique
live-application index and `other_certificate_programs_locked`.

The statements are built from the models' metadata and read through `common.rawsql`, so the
rows become the instances the ORM would load and a field not read here loads lazily if
someone asks for it. enrollment/tests/submission_orm.py is the same reading through the ORM,
and enrollment/tests/test_submission_facts.py holds the two equal in every case it tries.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db import connection

from kruzhok.catalog.models import FinancingSource, Group, Program
from kruzhok.certificates.models import FinancingProgram
from kruzhok.common.rawsql import (
    Aliased,
    for_update,
    instance_from_row,
    instance_or_none,
    model_fields,
    split_row,
)
from kruzhok.enrollment.models import LIVE_STATUSES, Application, EnrollmentWindow
from kruzhok.families.models import Child, Guardianship
from kruzhok.providers.models import Provider

GROUP_FIELDS = model_fields(
    Group,
    "id",
    "program",
    "name",
    "teacher",
    "capacity",
    "seats_taken",
    "start_date",
    "end_date",
    "enrollment_open",
    "auto_accept",
)
PROGRAM_FIELDS = model_fields(
    Program, "id", "provider", "title", "age_min", "age_max", "financing_source", "state"
)
PROVIDER_FIELDS = model_fields(Provider, "id", "short_name", "status", "municipality")
CHILD_FIELDS = model_fields(
    Child, "id", "last_name", "first_name", "patronymic", "birth_date", "municipality"
)
WINDOW_FIELDS = model_fields(EnrollmentWindow, "id", "program", "group", "opens_at", "closes_at")

# The models' constants the statements compare with, passed as parameters like any value.
_LIVE = {f"live{n}": status.value for n, status in enumerate(LIVE_STATUSES)}
_CONSTANTS = {**_LIVE, "certificate": FinancingSource.CERTIFICATE.value}
_LIVE_IN = ", ".join(f"%({name})s" for name in _LIVE)


@dataclass(frozen=True)
class SubmissionFacts:
    group: Group  # its program and the program's provider attached
    child: Child
    is_guardian: bool
    # The window that governs the group: its own, else its program's, else None.
    window: EnrollmentWindow | None
    # The status of the child's live application in this group, if there is one.
    status_here: str | None
    # Whether the child has a live application in another group of the same program whose
    # dates overlap this group's.
    applied_in_program: bool
    # Certificate-paid programs other than this group's in which the child has a live
    # application (submitted, waiting, accepted, under contract or attending).
    other_certificate_programs: int
    # The financing program in force for the child's municipality: its per-child limit of
    # certificate-paid programs (None: no financing program, or no limit).
    programs_limit: int | None


def _other_certificate_programs(child: str, program: str) -> str:
    """How many certificate-paid programs other than `program` the child has a live
    application in (both are SQL: a column of the outer statement or a placeholder)."""
    a, g, p = Aliased(Application, "a"), Aliased(Group, "g2"), Aliased(Program, "p2")
    return f"""(SELECT COUNT(DISTINCT {g["program"]})
          FROM {a.table}
          JOIN {g.table} ON {g.pk} = {a["group"]}
          JOIN {p.table} ON {p.pk} = {g["program"]}
         WHERE {a["child"]} = {child} AND {a["status"]} IN ({_LIVE_IN})
           AND {p["financing_source"]} = %(certificate)s
           AND {g["program"]} <> {program})"""


def _in_program(child: str, program: str, group: str, start: str, end: str) -> str:
    """Whether the child has a live application in a group of `program` other than `group`
    whose dates overlap [start, end] (next year's group of the same program is another
    matter)."""
    a, g = Aliased(Application, "a3"), Aliased(Group, "g3")
    return f"""EXISTS (SELECT 1 FROM {a.table}
          JOIN {g.table} ON {g.pk} = {a["group"]}
         WHERE {a["child"]} = {child} AND {a["status"]} IN ({_LIVE_IN})
           AND {g["program"]} = {program} AND {g.pk} <> {group}
           AND {g["start_date"]} <= {end} AND {g["end_date"]} >= {start})"""


def _programs_limit(municipality: str, day: str) -> str:
    """The per-child limit of the financing program in force for a municipality on a day,
    chosen as `certificates.financing_reads.financing_programs_in_force` chooses it."""
    f = Aliased(FinancingProgram, "f")
    return f"""(SELECT {f["max_programs_per_child"]} FROM {f.table}
         WHERE {f["municipality"]} = {municipality} AND {f["closed_at"]} IS NULL
           AND {f["period_start"]} <= {day} AND {f["period_end"]} >= {day}
         ORDER BY {f["period_start"]} DESC LIMIT 1)"""


@functools.cache
def _statement(vendor: str) -> str:
    g, p, v, c = (
        Aliased(Group, "g"),
        Aliased(Program, "p"),
        Aliased(Provider, "v"),
        Aliased(Child, "c"),
    )
    own, programs = Aliased(EnrollmentWindow, "wg"), Aliased(EnrollmentWindow, "wp")
    gu, a = Aliased(Guardianship, "gu"), Aliased(Application, "a")
    return f"""
SELECT {g.columns(GROUP_FIELDS)}, {p.columns(PROGRAM_FIELDS)}, {v.columns(PROVIDER_FIELDS)},
       {c.columns(CHILD_FIELDS)}, {own.columns(WINDOW_FIELDS)}, {programs.columns(WINDOW_FIELDS)},
       EXISTS (SELECT 1 FROM {gu.table}
               WHERE {gu["child"]} = {c.pk} AND {gu["user"]} = %(user)s),
       (SELECT {a["status"]} FROM {a.table}
         WHERE {a["child"]} = {c.pk} AND {a["group"]} = {g.pk}
           AND {a["status"]} IN ({_LIVE_IN})),
       {_in_program(c.pk, g["program"], g.pk, g["start_date"], g["end_date"])},
       {_other_certificate_programs(c.pk, g["program"])},
       {_programs_limit(c["municipality"], "%(today)s")}
  FROM {g.table}
  JOIN {p.table} ON {p.pk} = {g["program"]}
  JOIN {v.table} ON {v.pk} = {p["provider"]}
  JOIN {c.table} ON {c.pk} = %(child)s
  LEFT JOIN {own.table} ON {own["group"]} = {g.pk}
  LEFT JOIN {programs.table} ON {programs["program"]} = {g["program"]}
 WHERE {g.pk} = %(group)s
"""


@functools.cache
def _lock_child(vendor: str) -> str:
    c = Aliased(Child, "c")
    return f"SELECT 1 FROM {c.table} WHERE {c.pk} = %(child)s{for_update()}"


@functools.cache
def _in_program_statement(vendor: str) -> str:
    placeholders = ("%(child)s", "%(program)s", "%(group)s", "%(start)s", "%(end)s")
    return f"SELECT {_in_program(*placeholders)}"


@functools.cache
def _count(vendor: str) -> str:
    return f"SELECT {_other_certificate_programs('%(child)s', '%(program)s')}"


def child_row_lock(*, child_id: int) -> None:
    """Lock the child's row until the transaction ends (nothing on SQLite, whose IMMEDIATE
    transactions already serialise writers)."""
    with connection.cursor() as cursor:
        cursor.execute(_lock_child(connection.vendor), {"child": child_id})


def other_certificate_programs_count(*, child_id: int, program_id: int) -> int:
    """How many certificate-paid programs other than `program_id` the child has a live
    application in."""
    with connection.cursor() as cursor:
        cursor.execute(
            _count(connection.vendor), {**_CONSTANTS, "child": child_id, "program": program_id}
        )
        return int(cursor.fetchone()[0])


def other_certificate_programs_locked(*, child_id: int, program_id: int) -> int:
    """Lock the child's row until the transaction ends, then count again the other
    certificate-paid programs the child has a live application in. Every submission under
    the limit takes this lock, so two clicks at once on two groups cannot both pass it. Two
    statements: on PostgreSQL a statement that waited for a lock still reads with the
    snapshot it started with, so the count must start after the lock is held."""
    child_row_lock(child_id=child_id)
    return other_certificate_programs_count(child_id=child_id, program_id=program_id)


def program_applied_elsewhere(*, child_id: int, group: Group) -> bool:
    """Whether the child has a live application in another group of the group's program at
    the same time;
    read again under the child's row lock, where no concurrent submission slips past."""
    with connection.cursor() as cursor:
        cursor.execute(
            _in_program_statement(connection.vendor),
            {
                **_CONSTANTS,
                "child": child_id,
                "program": group.program_id,
                "group": group.pk,
                "start": connection.ops.adapt_datefield_value(group.start_date),
                "end": connection.ops.adapt_datefield_value(group.end_date),
            },
        )
        return bool(cursor.fetchone()[0])


def submission_facts(
    *, user_id: int, child_id: int, group_id: int, today: datetime.date
) -> SubmissionFacts | None:
    """The facts, or None when the group or the child does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(connection.vendor),
            {
                **_CONSTANTS,
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
    is_guardian, status_here, in_program, other_programs, programs_limit = values
    return SubmissionFacts(
        group=group,
        child=instance_from_row(Child, CHILD_FIELDS, child_values),
        is_guardian=bool(is_guardian),
        window=instance_or_none(EnrollmentWindow, WINDOW_FIELDS, own)
        or instance_or_none(EnrollmentWindow, WINDOW_FIELDS, programs),
        status_here=status_here,
        applied_in_program=bool(in_program),
        other_certificate_programs=int(other_programs),
        programs_limit=programs_limit,
    )
