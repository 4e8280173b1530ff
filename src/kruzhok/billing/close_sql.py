"""The month close's hand-written statements: its invoice lines inserted as arrays, and the
locks that freeze a month.

The lines. A region's close writes tens of thousands of invoice lines; the ORM's bulk_create
prepares each of their eleven values in Python (about half a second for 4,000 lines). On
PostgreSQL `lines_insert` sends each column as one array and inserts the rows with one
`INSERT … SELECT FROM unnest(…)`; elsewhere it is the ORM's bulk_create.
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
from dataclasses import dataclass

from django.db import connection

from kruzhok.billing.models import InvoiceLine
from kruzhok.common.rawsql import column, table


@dataclass(frozen=True)
class LineRow:
    """An invoice line to insert, its values in the model's terms."""

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


# Each column of a line and its array's type for unnest.
_LINE_COLUMNS = (
    ("invoice", "bigint"),
    ("contract", "bigint"),
    ("contract_number", "text"),
    ("child_initials", "text"),
    ("program_title", "text"),
    ("group_name", "text"),
    ("corrects_month", "date"),
    ("lessons_planned", "integer"),
    ("lessons_attended", "integer"),
    ("certificate_amount", "bigint"),
    ("parent_amount", "bigint"),
)


def lines_insert(rows: Sequence[LineRow]) -> None:
    """Insert the lines: on PostgreSQL one statement, a column an array; elsewhere the ORM."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(
                    invoice_id=row.invoice_id,
                    contract_id=row.contract_id,
                    contract_number=row.contract_number,
                    child_initials=row.child_initials,
                    program_title=row.program_title,
                    group_name=row.group_name,
                    corrects_month=row.corrects_month,
                    lessons_planned=row.lessons_planned,
                    lessons_attended=row.lessons_attended,
                    certificate_amount=row.certificate_amount,
                    parent_amount=row.parent_amount,
                )
                for row in rows
            ),
            batch_size=2000,
        )
        return
    names = [name for name, _ in _LINE_COLUMNS]
    columns = ", ".join(column(InvoiceLine, name) for name in names)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in _LINE_COLUMNS)
    attribute = {"invoice": "invoice_id", "contract": "contract_id"}
    values = [[getattr(row, attribute.get(name, name)) for row in rows] for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(InvoiceLine)} ({columns}) SELECT * FROM unnest({arrays})",
            values,
        )


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
