"""The funding outlook read by hand (see `common.rawsql`): the financing program in force for
a municipality on a day, its budget's available money and its nominal bands, in one statement.

Every parent's program page estimates, for each child and each group open for enrolment, what
the certificate would pay, and so reads the outlook of the child's municipality. Through the
ORM it was two queries (the program with its budget as a subquery, then its bands) costing
more CPU to build than to run (bench/page_cpu.py). tests/test_funding_outlook.py holds it
equal to the services' own answers.
"""

import datetime
import functools
from typing import Any

from django.db import connection

from kruzhok.certificates.models import Account, AccountKind, FinancingProgram, NominalBand
from kruzhok.common.rawsql import Aliased, values_from_rows

COLUMNS = (
    (FinancingProgram, "period_start"),
    (FinancingProgram, "funded_count"),
    (FinancingProgram, "max_funded_certificates"),
    (Account, "credits_posted"),  # the budget's available money: credits less debits
    (NominalBand, "age_min"),
    (NominalBand, "age_max"),
    (NominalBand, "nominal"),
)


@functools.cache
def _statement(vendor: str) -> str:
    fp, f = Aliased(FinancingProgram, "fp"), Aliased(FinancingProgram, "f")
    a, b = Aliased(Account, "a"), Aliased(NominalBand, "b")
    # financing_reads.financing_programs_in_force(...).first(), and the budget as
    # financing_reads.financing_budget_available reads it.
    in_force = (
        f"SELECT {f.pk} FROM {f.table} WHERE {f['municipality']} = %s "
        f"AND {f['period_start']} <= %s AND {f['period_end']} >= %s "
        f"AND {f['closed_at']} IS NULL ORDER BY {f['period_start']} DESC LIMIT 1"
    )
    budget = (
        f"SELECT {a['credits_posted']} - {a['debits_posted']} - {a['debits_pending']} "
        f"FROM {a.table} WHERE {a['financing_program']} = {fp.pk} AND {a['kind']} = %s "
        f"ORDER BY {a.pk} LIMIT 1"
    )
    return (
        f"SELECT {fp['period_start']}, {fp['funded_count']}, {fp['max_funded_certificates']}, "
        f"({budget}), {b['age_min']}, {b['age_max']}, {b['nominal']} "
        f"FROM {fp.table} LEFT OUTER JOIN {b.table} ON {b['financing_program']} = {fp.pk} "
        f"WHERE {fp.pk} = ({in_force}) ORDER BY {b['age_min']}, {b.pk}"
    )


def outlook_rows(*, municipality_id: int, day: datetime.date) -> list[tuple[Any, ...]]:
    """(period start, funded count, maximum funded, budget available or None, then one band's
    age_min, age_max and nominal — None for each if it has none) for each band of the
    financing program in force, by age; no row when none is in force."""
    date = connection.ops.adapt_datefield_value(day)
    params: list[Any] = [AccountKind.BUDGET.value, municipality_id, date, date]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor), params)
        rows = cursor.fetchall()
    return values_from_rows(COLUMNS, rows)
