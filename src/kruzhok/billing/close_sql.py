"""The month close's hand-written statements: its invoice lines inserted as arrays, and the
locks that freeze a month.

The lines. A region's close writes tens of thousands of invoice lines; the ORM's bulk_create
prepares each of their eleven values in Python (about half a second for 4,000 lines), and
even one `INSERT … SELECT FROM unnest(…)` of a column an array spent as long quoting the
arrays as the database spent inserting. On PostgreSQL `lines_insert` streams the rows with
COPY (psycopg's binary-accelerated rows); elsewhere it is the ORM's bulk_create.
`tests/test_close_sql.py` holds both equal to what the ORM reads back.

The freeze. A mark holds the month it bills open (`month_lock(shared=True)`) and a close
creates its batch under the same month's exclusive lock, so the batch waits for the marks
in flight and a mark that comes later waits for the batch and then finds the month closing
(`month_close.month_hold_open`). On PostgreSQL these are transaction-level advisory locks:
nothing is written, they go with the transaction, and marks never wait for each other. The
ORM has no word for them. On SQLite every writing transaction begins IMMEDIATE and already
waits for the others: nothing to do.
"""

import datetime
from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection

from kruzhok.billing.models import InvoiceLine
from kruzhok.common.rawsql import column, table


class LineRow(NamedTuple):
    """An invoice line to insert, its values in the model's terms (a tuple: COPY writes it as
    it is, and a region's close makes tens of thousands)."""

    invoice_id: int
    contract_id: int
    contract_number: str
    child_initials: str
    program_title: str
    group_name: str
    corrects_month: datetime.date | None
    lessons_planned: int
    lessons_attended: int
    certificate_amount: int
    parent_amount: int


def lines_insert(rows: Sequence[LineRow]) -> None:
    """Insert the lines: on PostgreSQL by COPY; elsewhere the ORM."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        InvoiceLine.objects.bulk_create(
            (InvoiceLine(**row._asdict()) for row in rows),
            batch_size=2000,
        )
        return
    columns = ", ".join(column(InvoiceLine, name) for name in LineRow._fields)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table(InvoiceLine)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def month_lock(*, municipality_id: int, month: datetime.date, shared: bool) -> None:
    """Lock a municipality's month until the transaction ends: shared (a mark billing the
    month) or exclusive (a close creating its batch). PostgreSQL only: see the module."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("month_lock holds only within a transaction")
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {function}(hashtextextended(%s, 0))",
            [f"kruzhok.billing.month:{municipality_id}:{month:%Y-%m}"],
        )
