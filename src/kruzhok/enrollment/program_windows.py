"""The enrolment windows a program page reads, written by hand (see `common.rawsql`).

Every program page says of each group whether it takes applications now, so it reads the
windows of the program and of its groups: through the ORM that query cost more CPU to build
than the page's whole other reading of the windows (bench/page_cpu.py). The statement is built
once from the models' metadata and its rows become the instances the ORM would load;
tests/test_program_windows.py holds it equal to the ORM's query.
"""

import functools

from django.db import connection

from kruzhok.common.rawsql import Aliased, instance_from_row, model_fields, placeholders
from kruzhok.enrollment.models import EnrollmentWindow

WINDOW_FIELDS = model_fields(EnrollmentWindow)


@functools.cache
def _statement(vendor: str, groups: int) -> str:
    w = Aliased(EnrollmentWindow, "w")
    of_groups = f" OR {w['group']} IN ({placeholders(groups)})" if groups else ""
    return f"SELECT {w.columns(WINDOW_FIELDS)} FROM {w.table} WHERE {w['program']} = %s{of_groups}"


def enrollment_windows_of_program(
    *, program_id: int, group_ids: list[int]
) -> tuple[EnrollmentWindow | None, dict[int, EnrollmentWindow]]:
    """The program's own window and the given groups' (the program's) windows by group id,
    in one query: what a program page needs for every group at once."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, len(group_ids)), [program_id, *group_ids])
        rows = cursor.fetchall()
    program_window = None
    by_group: dict[int, EnrollmentWindow] = {}
    for row in rows:
        window = instance_from_row(EnrollmentWindow, WINDOW_FIELDS, row)
        if window.group_id is not None:
            by_group[window.group_id] = window
        else:
            program_window = window
    return program_window, by_group
