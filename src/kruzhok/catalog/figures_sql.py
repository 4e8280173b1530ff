"""The catalogue's live seat figures, read by hand (see `common.rawsql`).

Every catalogue page, anonymous or not, reads its twenty programs' versions and seats when the
ones kept with its search are more than two seconds old (selectors.program_figures_kept).
Through the ORM that one query cost more CPU to build than PostgreSQL spent running it
(bench/page_cpu.py); here it is written once from the models' metadata.
tests/test_figures_sql.py holds it equal to the ORM's.
"""

import datetime
import functools
from typing import Any

from django.db import connection

from kruzhok.catalog.models import Group, Program, ProgramState
from kruzhok.common.rawsql import Aliased, placeholders, values_from_rows
from kruzhok.providers.models import Provider, ProviderStatus

COLUMNS = (
    (Program, "id"),
    (Program, "updated_at"),
    (Group, "end_date"),
    (Group, "enrollment_open"),
    (Group, "capacity"),
    (Group, "seats_taken"),
)

# (program id, its version, then of one of its groups — or None for each, for a program
# without groups — the end date, whether it takes applications, its seats and those taken)
FiguresRow = tuple[
    int, datetime.datetime, datetime.date | None, bool | None, int | None, int | None
]


@functools.cache
def _statement(vendor: str, count: int) -> str:
    p, v, g = Aliased(Program, "p"), Aliased(Provider, "v"), Aliased(Group, "g")
    return (
        f"SELECT {p.pk}, {p['updated_at']}, {g['end_date']}, {g['enrollment_open']}, "
        f"{g['capacity']}, {g['seats_taken']} "
        f"FROM {p.table} INNER JOIN {v.table} ON {v.pk} = {p['provider']} "
        f"LEFT OUTER JOIN {g.table} ON {g['program']} = {p.pk} "
        f"WHERE {v['status']} = %s AND {p['state']} = %s "
        f"AND {p.pk} IN ({placeholders(count)})"
    )


def program_group_rows(*, program_ids: list[int]) -> list[FiguresRow]:
    """A row for each group of each of the given published programs (one with None for a
    program without groups), in no particular order."""
    if not program_ids:
        return []
    params: list[Any] = [ProviderStatus.APPROVED.value, ProgramState.PUBLISHED.value, *program_ids]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, len(program_ids)), params)
        rows = cursor.fetchall()
    return values_from_rows(COLUMNS, rows)
