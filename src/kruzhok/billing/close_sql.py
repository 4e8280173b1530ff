"""The month close's one hand-written statement: the unbilled charges of a step's providers
linked to their invoice lines in the database, set-based, and the linked charges summed per
line.

Why by hand. A region's month is about 1.5 million charges (`make bench-billing`); linking
them row by row from Python (read each id, then INSERT it back) made the close cost many times
the floor of one GROUP BY over the same rows. `INSERT … SELECT` is what the ORM cannot say.

What it does: every charge of the close's municipality's certificates billed in the month,
not reversed and not yet linked (the selection of `provider_invoice._unbilled_charges`), of
the contracts of the step's providers, is linked to the line of its contract and month on its
provider's invoice among the step's invoices — the month's own line (`corrects_month` NULL)
for a charge of the month, the correction line naming its month for a late mark of an earlier
one. One statement for every provider of the step: the close bills a chunk of providers in
one transaction (`provider_invoice.providers_invoices_issue`).

The lines. A region's close writes tens of thousands of invoice lines; the ORM's bulk_create
prepares each of their eleven values in Python (about half a second for 4,000 lines). On
PostgreSQL `lines_insert` sends each column as one array and inserts the rows with one
`INSERT … SELECT FROM unnest(…)`; elsewhere it is the ORM's bulk_create.

The sums. On PostgreSQL the INSERT is a data-modifying CTE: the statement returns, per line,
how many charges it linked and their lessons and amounts, in one pass. SQLite has no DML in a
CTE: there the INSERT runs alone and the ORM sums what is linked afterwards. Either way the
caller compares the sums with the lines' figures and rolls the step back on any difference.
`tests/test_close_sql.py` holds both paths equal to the ORM's own linking.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Sum

from kruzhok.billing.models import Invoice, InvoicedCharge, InvoiceLine
from kruzhok.catalog.models import Group, Program
from kruzhok.certificates.models import Certificate
from kruzhok.common.rawsql import Aliased, column, table
from kruzhok.enrollment.models import Application, Charge, Contract


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


@dataclass(frozen=True)
class LineSums:
    """What the charges linked to one line add up to."""

    lessons: int
    certificate: int
    parent: int
    charges: int = 0  # how many charges were linked to the line


_Params = dict[str, int | datetime.date | list[int]]


def _in(name: str, values: Sequence[int], params: _Params) -> str:
    """` IN (…)` of a list of ids as parameters (PostgreSQL: one array)."""
    if connection.vendor == "postgresql":
        params[name] = list(values)
        return f" = ANY(%({name})s)"
    for i, value in enumerate(values):
        params[f"{name}_{i}"] = value
    return " IN (" + ", ".join(f"%({name}_{i})s" for i in range(len(values))) + ")"


def _select(providers_in: str, invoices_in: str) -> str:
    ch = Aliased(Charge, "ch")
    ct = Aliased(Contract, "ct")
    c = Aliased(Certificate, "c")
    a = Aliased(Application, "a")
    g = Aliased(Group, "g")
    p = Aliased(Program, "p")
    invoice = Aliased(Invoice, "inv")
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
        f"JOIN {invoice.table} ON {invoice['provider']} = {p['provider']} "
        f"AND {invoice.pk}{invoices_in} "
        f"JOIN {line.table} ON {line['invoice']} = {invoice.pk} "
        f"AND {line['contract']} = {ch['contract']} "
        # The month's own line has no corrects_month; a correction line names its month.
        f"AND COALESCE({line['corrects_month']}, %(month)s) = {ch['for_month']} "
        f"WHERE {c['municipality']} = %(municipality)s AND {p['provider']}{providers_in} "
        f"AND {ch['billed_month']} = %(month)s AND {ch['reversed_at']} IS NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {linked.table} WHERE {linked['charge']} = {ch.pk})"
    )


def _insert_columns() -> str:
    return f"{column(InvoicedCharge, 'line')}, {column(InvoicedCharge, 'charge')}"


def charges_link(
    *,
    invoice_ids: Sequence[int],
    municipality_id: int,
    provider_ids: Sequence[int],
    month: datetime.date,
) -> tuple[int, dict[int, LineSums]]:
    """Link the providers' unbilled charges of the month to the lines of their invoices among
    `invoice_ids` (one invoice a provider); how many were linked, and their sums by line id."""
    params: _Params = {"municipality": municipality_id, "month": month}
    select = _select(_in("providers", provider_ids, params), _in("invoices", invoice_ids, params))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH picked AS MATERIALIZED ({select}), "
                f"inserted AS (INSERT INTO {table(InvoicedCharge)} ({_insert_columns()}) "
                f"SELECT line_id, charge_id FROM picked RETURNING 1) "
                "SELECT line_id, COUNT(lesson_id), SUM(certificate_amount), "
                "SUM(parent_amount), COUNT(*), (SELECT COUNT(*) FROM inserted) "
                "FROM picked GROUP BY line_id",
                params,
            )
            rows = cursor.fetchall()
            inserted = rows[0][5] if rows else 0
            return inserted, {row[0]: LineSums(*row[1:5]) for row in rows}
        cursor.execute(
            f"INSERT INTO {table(InvoicedCharge)} ({_insert_columns()}) "
            f"SELECT line_id, charge_id FROM ({select})",
            params,
        )
        inserted = cursor.rowcount
    return inserted, linked_sums(invoice_ids=invoice_ids)


def linked_sums(*, invoice_ids: Sequence[int]) -> dict[int, LineSums]:
    """The charges linked to the invoices' lines summed per line, read back by the ORM."""
    return {
        row["line_id"]: LineSums(row["lessons"], row["certificate"], row["parent"], row["n"])
        for row in InvoicedCharge.objects.filter(line__invoice_id__in=invoice_ids)
        .order_by()
        .values("line_id")
        .annotate(
            lessons=Count("charge__lesson"),
            certificate=Sum("charge__certificate_amount"),
            parent=Sum("charge__parent_amount"),
            n=Count("pk"),
        )
    }
