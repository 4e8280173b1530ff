"""The month close's hand-written statements: its invoice lines summed and inserted in the
database, and the locks that freeze a month.

The lines. A region's close sums 1.5 million charges into 150,000 invoice lines. Carried
through Python (read, copied with their contracts' text, written back) they cost more than
the summing; on PostgreSQL `lines_build` sums and inserts them in one `INSERT … SELECT`,
which the ORM cannot say. Elsewhere (SQLite) `provider_invoice._lines_in_python` builds them
with the ORM and `lines_insert` writes them; `tests/test_close_sql.py` holds the two roads
equal, value by value.

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

from kruzhok.billing.models import Invoice, InvoiceLine
from kruzhok.catalog.models import Group, Lesson, LessonStatus, Program
from kruzhok.certificates.models import Certificate
from kruzhok.common.rawsql import Aliased, column, table
from kruzhok.enrollment.models import Application, Charge, Contract
from kruzhok.families.models import Child


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
    """Insert the lines by the ORM: the road of databases without `lines_build` (SQLite)."""
    InvoiceLine.objects.bulk_create((InvoiceLine(**row._asdict()) for row in rows), batch_size=2000)


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


def deferred_checks_run() -> None:
    """Check now, by index, the foreign keys that the transaction's writes so far would have
    had checked at its commit (Django's are deferred), then defer again. PostgreSQL only
    (SQLite checks them at the commit).

    A foreign key's check is a lookup of one primary key, which PostgreSQL plans once per
    connection from the table's statistics; for a table it believes small — the invoices,
    when a region's first closes begin — it plans a scan of the whole table, and runs it once
    per line: the lines of a city of 12,000 contracts took 0.24 s to check instead of 0.10 s.
    Planned here with sequential scans off, the checks use the primary key's index."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")


def _scope() -> str:
    """The step's contracts: those of the municipality's certificates in the providers' groups,
    with what their lines copy."""
    ct = Aliased(Contract, "ct")
    c = Aliased(Certificate, "c")
    a = Aliased(Application, "a")
    g = Aliased(Group, "g")
    p = Aliased(Program, "p")
    return (
        f"SELECT {ct.pk} AS contract_id, {p['provider']} AS provider_id, "
        f"{a['child']} AS child_id, {g.pk} AS group_id, {g['name']} AS group_name, "
        f"{p['title']} AS program_title, {ct['number']} AS contract_number, "
        f"{ct['start_date']} AS start_date, {ct['end_date']} AS end_date, "
        f"{ct['terminated_on']} AS terminated_on "
        f"FROM {ct.table} "
        f"JOIN {c.table} ON {c.pk} = {ct['certificate']} "
        f"JOIN {a.table} ON {a.pk} = {ct['application']} "
        f"JOIN {g.table} ON {g.pk} = {a['group']} "
        f"JOIN {p.table} ON {p.pk} = {g['program']} "
        f"WHERE {c['municipality']} = %(municipality)s AND {p['provider']} = ANY(%(providers)s)"
    )


def _moved() -> str:
    """One contract's (`o`) charges billed in the month and not taken back, each on the line of
    the month it is for (NULL: the month's own), and its charges billed in an earlier month and
    taken back since (negative, on the line of the month they were billed in)."""
    ch = Aliased(Charge, "ch")
    lesson = f"CASE WHEN {ch['lesson']} IS NULL THEN 0 ELSE 1 END"
    return (
        f"SELECT NULLIF({ch['for_month']}, %(month)s) AS corrects, {lesson} AS lessons, "
        f"{ch['certificate_amount']} AS certificate, {ch['parent_amount']} AS parent "
        f"FROM {ch.table} WHERE {ch['contract']} = o.contract_id "
        f"AND {ch['billed_month']} = %(month)s AND {ch['reversed_at']} IS NULL "
        f"UNION ALL SELECT {ch['billed_month']}, -{lesson}, "
        f"-{ch['certificate_amount']}, -{ch['parent_amount']} "
        f"FROM {ch.table} WHERE {ch['contract']} = o.contract_id "
        f"AND {ch['reversal_billed_month']} = %(month)s"
    )


def lines_build(
    *,
    invoice_ids: Sequence[int],
    provider_ids: Sequence[int],
    municipality_id: int,
    month: datetime.date,
    month_end: datetime.date,
) -> None:
    """PostgreSQL: the lines of the step's invoices (one a provider), summed from the charges
    and inserted by one statement — what `provider_invoice._lines_in_python` does with the
    ORM, by the same rule (`tests/test_close_sql.py` holds the two equal):

    - the close's charges of the municipality's certificates (billed in the month, not taken
      back) of the providers' contracts, each on the line of its contract and of the month it
      is for — the month's own line (`corrects_month` NULL), or the correction line naming an
      earlier month for a late mark;
    - less the charges billed in an earlier month and taken back since (their reversal billed
      in this one), on the correction line naming the month they were billed in;
    - a line copies its contract's number, its child's surname and initials
      (`families.models.initials_name`), its program's title and group's name, and the
      month's own line counts the group's lessons planned (not cancelled) while the contract
      was in force in the month.
    """
    invoice = Aliased(Invoice, "inv")
    k = Aliased(Child, "k")
    lesson = Aliased(Lesson, "ls")
    initial = "CASE WHEN {0} = '' THEN NULL ELSE LEFT({0}, 1) || '.' END"
    # Looked up line by line by the children's primary key: a join hashed the whole region's
    # children for every step, however few its lines.
    initials = (
        f"(SELECT TRIM({k['last_name']} || ' ' || CONCAT_WS(' ', "
        f"{initial.format(k['first_name'])}, {initial.format(k['patronymic'])})) "
        f"FROM {k.table} WHERE {k.pk} = o.child_id)"
    )
    ends = "LEAST(%(month_end)s, o.end_date, COALESCE(o.terminated_on - 1, %(month_end)s))"
    # A contract in force the whole month has all its group's lessons of the month (counted
    # once per group); only one that began or ended in it counts its own days' lessons.
    planned = (
        "CASE WHEN s.corrects IS NOT NULL THEN 0 "
        f"WHEN o.start_date <= %(month)s AND {ends} = %(month_end)s "
        "THEN COALESCE(m.lessons, 0) "
        f"ELSE (SELECT COUNT(*) FROM {lesson.table} WHERE {lesson['group']} = o.group_id "
        f"AND {lesson['status']} = %(planned)s "
        f"AND {lesson['date']} >= GREATEST(%(month)s, o.start_date) "
        f"AND {lesson['date']} <= {ends}) END"
    )
    # Counted for the step's groups, each by the lessons' (group, date) index: a step costs
    # what its contracts do, not a scan of the region's lessons.
    month_lessons = (
        f"SELECT t.group_id, (SELECT COUNT(*) FROM {lesson.table} "
        f"WHERE {lesson['group']} = t.group_id AND {lesson['status']} = %(planned)s "
        f"AND {lesson['date']} BETWEEN %(month)s AND %(month_end)s) AS lessons "
        "FROM (SELECT DISTINCT group_id FROM scope) t"
    )
    columns = ", ".join(column(InvoiceLine, name) for name in LineRow._fields)
    with connection.cursor() as cursor:
        # Enough memory for a city's lines to be sorted without spilling to disk (the
        # server's default is 4 MB), for this transaction only.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # No JIT: the planner counts the lessons' subquery as if every line ran it, so the
        # statement's estimate passes the JIT's thresholds and PostgreSQL spends about 0.8 s
        # compiling it, a third of a city's close, to run a query of under a second.
        cursor.execute("SET LOCAL jit = off")
        # Planned for this step's own providers and invoices every time, even once the
        # connection has prepared the statement (settings: a statement run five times is): a
        # plan made for any municipality's providers could join a city's contracts badly.
        # Only for it: the foreign keys' checks are cached plans too, and planned anew for
        # every line they took three times as long.
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        # The contracts are read once (`scope`, materialised); each one's charges are found
        # by the charges' contract index and summed by the month they are for right there
        # (`LATERAL`), so a contract's lines come out beside what they copy from it: no
        # grouping of the step's hundreds of thousands of charges, and no join after it.
        cursor.execute(
            f"WITH scope AS MATERIALIZED ({_scope()}), "
            f"month_lessons AS ({month_lessons}) "
            f"INSERT INTO {table(InvoiceLine)} ({columns}) "
            f"SELECT {invoice.pk}, o.contract_id, o.contract_number, {initials}, "
            "o.program_title, o.group_name, s.corrects, "
            f"{planned}, s.lessons, s.certificate, s.parent "
            f"FROM scope o JOIN {invoice.table} ON {invoice['provider']} = o.provider_id "
            f"AND {invoice.pk} = ANY(%(invoices)s) "
            "LEFT JOIN month_lessons m ON m.group_id = o.group_id "
            "CROSS JOIN LATERAL (SELECT corrects, SUM(lessons) AS lessons, "
            "SUM(certificate) AS certificate, SUM(parent) AS parent "
            f"FROM ({_moved()}) moved GROUP BY corrects) s "
            "ORDER BY o.contract_id",
            {
                "municipality": municipality_id,
                "providers": list(provider_ids),
                "invoices": list(invoice_ids),
                "month": month,
                "month_end": month_end,
                "planned": LessonStatus.PLANNED,
            },
        )
        cursor.execute("SET LOCAL plan_cache_mode TO DEFAULT")
