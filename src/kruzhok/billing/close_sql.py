"""The month close's one hand-written statement: a provider's unbilled charges linked to their
invoice lines in the database, set-based, and the linked charges summed per line.

Why by hand. A region's month is about 1.5 million charges (`make bench-billing`); linking
them row by row from Python (read each id, then INSERT it back) made the close cost many times
the floor of one GROUP BY over the same rows. `INSERT … SELECT` is what the ORM cannot say.

What it does: every charge of the close's municipality's certificates billed in the month,
not reversed and not yet linked (the selection of `month_close._unbilled_charges`), of the
provider's contracts, is linked to the line of its contract and month on the invoice — the
month's own line (`corrects_month` NULL) for a charge of the month, the correction line
naming its month for a late mark of an earlier one.

The sums. On PostgreSQL the INSERT is a data-modifying CTE: the statement returns, per line,
the lessons and amounts of exactly the rows it inserted, and how many it inserted, in one
pass. SQLite has no DML in a CTE: there the INSERT runs alone and the ORM sums what is linked
afterwards. Either way the caller compares the sums with the lines' figures and rolls the
provider's step back on any difference. `tests/test_close_sql.py` holds both paths equal to the
ORM's own linking.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Sum

from kruzhok.billing.models import InvoicedCharge, InvoiceLine
from kruzhok.catalog.models import Group, Program
from kruzhok.certificates.models import Certificate
from kruzhok.common.rawsql import Aliased, column, table
from kruzhok.enrollment.models import Application, Charge, Contract


@dataclass(frozen=True)
class LineSums:
    """What the charges linked to one line add up to."""

    lessons: int
    certificate: int
    parent: int


def _select() -> str:
    ch = Aliased(Charge, "ch")
    ct = Aliased(Contract, "ct")
    c = Aliased(Certificate, "c")
    a = Aliased(Application, "a")
    g = Aliased(Group, "g")
    p = Aliased(Program, "p")
    line = Aliased(InvoiceLine, "l")
    linked = Aliased(InvoicedCharge, "i")
    return (
        f"SELECT {line.pk} AS line_id, {ch.pk} AS charge_id, {ch['lesson']} AS lesson_id, "
        f"{ch['certificate_amount']} AS certificate_amount, "
        f"{ch['parent_amount']} AS parent_amount "
        f"FROM {ch.table} "
        f"JOIN {ct.table} ON {ct.pk} = {ch['contract']} "
        f"JOIN {c.table} ON {c.pk} = {ct['certificate']} "
        f"JOIN {a.table} ON {a.pk} = {ct['application']} "
        f"JOIN {g.table} ON {g.pk} = {a['group']} "
        f"JOIN {p.table} ON {p.pk} = {g['program']} "
        f"JOIN {line.table} ON {line['invoice']} = %(invoice)s "
        f"AND {line['contract']} = {ch['contract']} "
        # The month's own line has no corrects_month; a correction line names its month.
        f"AND COALESCE({line['corrects_month']}, %(month)s) = {ch['for_month']} "
        f"WHERE {c['municipality']} = %(municipality)s AND {p['provider']} = %(provider)s "
        f"AND {ch['billed_month']} = %(month)s AND {ch['reversed_at']} IS NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {linked.table} WHERE {linked['charge']} = {ch.pk})"
    )


def _insert_columns() -> str:
    return f"{column(InvoicedCharge, 'line')}, {column(InvoicedCharge, 'charge')}"


def charges_link(
    *, invoice_id: int, municipality_id: int, provider_id: int, month: datetime.date
) -> tuple[int, dict[int, LineSums]]:
    """Link the provider's unbilled charges of the month to the invoice's lines; how many
    were linked, and their sums by line id."""
    params: dict[str, int | datetime.date] = {
        "invoice": invoice_id,
        "municipality": municipality_id,
        "provider": provider_id,
        "month": month,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH picked AS MATERIALIZED ({_select()}), "
                f"inserted AS (INSERT INTO {table(InvoicedCharge)} ({_insert_columns()}) "
                f"SELECT line_id, charge_id FROM picked RETURNING 1) "
                "SELECT line_id, COUNT(lesson_id), SUM(certificate_amount), "
                "SUM(parent_amount), (SELECT COUNT(*) FROM inserted) "
                "FROM picked GROUP BY line_id",
                params,
            )
            rows = cursor.fetchall()
            inserted = rows[0][4] if rows else 0
            return inserted, {row[0]: LineSums(row[1], row[2], row[3]) for row in rows}
        cursor.execute(
            f"INSERT INTO {table(InvoicedCharge)} ({_insert_columns()}) "
            f"SELECT line_id, charge_id FROM ({_select()})",
            params,
        )
        inserted = cursor.rowcount
    return inserted, linked_sums(invoice_id=invoice_id)


def linked_sums(*, invoice_id: int) -> dict[int, LineSums]:
    """The charges linked to an invoice's lines summed per line, read back by the ORM."""
    return {
        row["line_id"]: LineSums(row["lessons"], row["certificate"], row["parent"])
        for row in InvoicedCharge.objects.filter(line__invoice_id=invoice_id)
        .order_by()
        .values("line_id")
        .annotate(
            lessons=Count("charge__lesson"),
            certificate=Sum("charge__certificate_amount"),
            parent=Sum("charge__parent_amount"),
        )
    }
