"""The month close at a region's scale, beside the floor of one set-based query.

    make bench-billing                          # a throwaway PostgreSQL, 100,000 children
    scripts/with-postgres.sh .venv/bin/python bench/billing.py [--children 100000]
        [--contracts-per-child 1.5] [--month 2026-10] [--seed 2026]
        [--municipalities all|busiest] [--rounds 1]

What it does:
  1. generates the region with `bench/region.py` (same options) into the empty database it is
     given, as a process of its own (its time and peak memory are printed, not counted in the
     close's figures); `kruzhok ledger check` has passed at its end or nothing more is run;
  2. for each municipality (`--municipalities all`, the default: every close an operator of the
     region runs for the month), or only the one whose certificates paid for the most charges
     (`busiest`): times ONE hand-written set-based query — the month's unbilled charges of the
     municipality's certificates (the selection of `billing.close_reads.month_charges`)
     summed by provider: lessons, certificate amount, parent amount — three times, keeping the
     median (the floor: what any close must at least read); then closes the month with
     `kruzhok billing close-month <municipality> <YYYY-MM>` as a process of its own, timing
     the billing's own time as the command reports it («Счета выставлены за … с», from the
     close's start to its last invoice, without the Python process's start: the worker that
     closes a month from the operator's page is started once, not per close) and the
     process's wall time from start to exit, and reading its peak resident memory from the
     kernel when it is reaped (`os.wait4`: the exact high-water mark, nothing sampled; psutil
     is not a dependency of the project, only of locust); then compares the issued invoices'
     per-provider totals with the query's;
  3. with `--rounds` above 1, undoes the closes (invoices, their lines, the batches, their
     audit rows and number sequences; then VACUUM ANALYZE) and runs step 2 again; the figures
     are the medians of the rounds.

Each close prints its wall time, peak memory, invoices, lines and charges billed and rows per
second (invoice lines + charges billed a second of wall time; a line bills its charges by rule,
so only the lines are written). DEBUG is off in every process
(as in production: a debug cursor keeps queries in memory). The last line is
`billing: children=<n> contracts=<n> marks=<n> wall_s=<n> sql_s=<n> ratio=<wall/sql>
peak_mb=<n> totals_match=<yes|no>`: wall_s (the billing's time) and sql_s summed over the
municipalities closed, peak_mb the largest peak of the close processes; the line before it,
`billing processes: process_s=<n> ratio=<process/sql>`, counts the processes' starts too.
Targets: ratio <= 4, peak_mb <= 500. The exit status is 1 when the generation failed, a close
failed or the totals did not match.
"""

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))
# The close runs from the virtualenv's scripts, whose editable install may point at another
# checkout of the project: it imports this one's code.
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
os.environ.setdefault("KRUZHOK_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "0")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit(
        "billing: needs a throwaway PostgreSQL: run `make bench-billing` "
        "(or scripts/with-postgres.sh .venv/bin/python bench/billing.py)"
    )

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from kruzhok.billing.documents import invoice_documents_issue  # noqa: E402
from kruzhok.billing.models import (  # noqa: E402
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    MonthClosure,
)
from kruzhok.catalog.models import Group, Program  # noqa: E402
from kruzhok.certificates.models import Certificate  # noqa: E402
from kruzhok.common.models import AuditEvent, Municipality, NumberSequence  # noqa: E402
from kruzhok.common.rawsql import column, table  # noqa: E402
from kruzhok.enrollment.models import Application, Charge, Contract  # noqa: E402

# (lessons, certificate amount, parent amount) by provider id.
Totals = dict[int, tuple[int, int, int]]


@dataclass
class Run:
    """A process run to its end: wall time, peak resident memory, exit status, output."""

    wall_s: float
    peak_mb: float
    returncode: int
    output: str


def run_measured(command: list[str]) -> Run:
    """Run a process to its end; its wall time and the peak of its resident memory (VmHWM, as
    the kernel reports it for a reaped child in `ru_maxrss`, kilobytes on Linux)."""
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()  # to its end: the process has closed its side, it exits
    _, status, usage = os.wait4(process.pid, 0)
    wall_s = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Run(wall_s, usage.ru_maxrss / 1024, process.returncode, output)


def floor_sql(month: datetime.date) -> tuple[str, list[object]]:
    """The floor: one GROUP BY over the month's unbilled charges of a municipality's
    certificates (the selection of `billing.close_reads.month_charges`: billed in the
    month, not reversed; none is billed yet), by the provider of the contract's group;
    names from the models' metadata."""
    ch, ct, c = "ch", "ct", "c"
    sql = (
        f"SELECT p.{column(Program, 'provider_id')}, COUNT({ch}.{column(Charge, 'lesson_id')}), "
        f"SUM({ch}.{column(Charge, 'certificate_amount')}), "
        f"SUM({ch}.{column(Charge, 'parent_amount')}) "
        f"FROM {table(Charge)} {ch} "
        f"JOIN {table(Contract)} {ct} ON {ct}.id = {ch}.{column(Charge, 'contract_id')} "
        f"JOIN {table(Certificate)} {c} ON {c}.id = {ct}.{column(Contract, 'certificate_id')} "
        f"JOIN {table(Application)} a ON a.id = {ct}.{column(Contract, 'application_id')} "
        f"JOIN {table(Group)} g ON g.id = a.{column(Application, 'group_id')} "
        f"JOIN {table(Program)} p ON p.id = g.{column(Group, 'program_id')} "
        f"WHERE {c}.{column(Certificate, 'municipality_id')} = %s "
        f"AND {ch}.{column(Charge, 'billed_month')} = %s "
        f"AND {ch}.{column(Charge, 'reversed_at')} IS NULL "
        f"GROUP BY p.{column(Program, 'provider_id')}"
    )
    return sql, [month]


def floor_run(municipality_id: int, month: datetime.date) -> tuple[float, Totals]:
    sql, params = floor_sql(month)
    started = time.monotonic()
    with connection.cursor() as cursor:
        # Parsed and planned each time, as a statement run once is: not prepared by the
        # connection (settings), which would spare the floor what the close pays.
        cursor.cursor.execute(sql, [municipality_id, *params], prepare=False)
        rows = cursor.fetchall()
    return time.monotonic() - started, {row[0]: (row[1], row[2], row[3]) for row in rows}


def invoiced_totals(municipality_id: int, month: datetime.date) -> Totals:
    return {
        provider: (lessons, certificate, parent)
        for provider, lessons, certificate, parent in Invoice.objects.filter(
            closure__municipality_id=municipality_id, closure__month=month
        ).values_list("provider_id", "lessons", "certificate_amount", "parent_amount")
    }


def closes_undo() -> None:
    """Put the month back as it was before the closes: every invoice, line and batch gone,
    with their audit rows and the invoices' number sequences (the region's contracts are paid
    per lesson: a close charges nothing of its own)."""
    InvoiceDocument.objects.all().delete()
    InvoiceLine.objects.all().delete()
    AuditEvent.objects.filter(object_type__in=["billing.invoice", "billing.monthclosure"]).delete()
    Invoice.objects.all().delete()
    MonthClosure.objects.all().delete()
    NumberSequence.objects.filter(name__regex=r"^(invoice|act):").delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _month_arg(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: a month as YYYY-MM") from None


@dataclass
class Close:
    municipality: str
    sql_s: float
    wall_s: float
    process_s: float
    peak_mb: float
    rows: int
    match: bool


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--contracts-per-child", type=float, default=1.5)
    parser.add_argument("--month", type=_month_arg, default=datetime.date(2026, 10, 1))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--municipalities", choices=["all", "busiest"], default="all")
    parser.add_argument("--rounds", type=int, default=1, help="closes in a row, undone between")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    first: datetime.date = args.month
    print(
        f"billing bench: {args.children} children, {args.contracts_per_child} contracts a child, "
        f"month {first:%Y-%m}, municipalities: {args.municipalities}, rounds: {args.rounds}",
        flush=True,
    )
    generated = run_measured(
        [
            sys.executable,
            str(ROOT / "bench" / "region.py"),
            "--children",
            str(args.children),
            "--contracts-per-child",
            str(args.contracts_per_child),
            "--month",
            f"{first:%Y-%m}",
            "--seed",
            str(args.seed),
        ]
    )
    print("\n".join(f"  | {line}" for line in generated.output.rstrip().splitlines()))
    print(
        f"  generation: exit {generated.returncode} in {generated.wall_s:.0f} s, "
        f"peak {generated.peak_mb:.0f} MB",
        flush=True,
    )
    if generated.returncode != 0:
        return 1
    made = re.search(r"^region: (children=.*)$", generated.output, re.MULTILINE)
    figures = dict(item.split("=") for item in made.group(1).split()) if made else {}

    # The municipalities by how many of the month's charges their certificates paid for.
    charges_by_municipality = {
        pk: n
        for pk, n in Charge.objects.filter(billed_month=first, reversed_at=None)
        .values_list("contract__certificate__municipality_id")
        .annotate(n=Count("pk"))
        .values_list("contract__certificate__municipality_id", "n")
        if pk is not None
    }
    municipalities = sorted(
        Municipality.objects.filter(pk__in=charges_by_municipality),
        key=lambda m: -charges_by_municipality[m.pk],
    )
    if args.municipalities == "busiest":
        municipalities = municipalities[:1]
    rounds: list[list[Close]] = []
    for number in range(1, args.rounds + 1):
        if number > 1:
            closes_undo()
        print(f"  round {number} of {args.rounds}:", flush=True)
        closes: list[Close] = []
        for municipality in municipalities:
            # Warm once (the close's first reads find the pages cached too), then the median
            # of three.
            floor_run(municipality.pk, first)
            timings = []
            for _ in range(3):
                sql_s, expected = floor_run(municipality.pk, first)
                timings.append(sql_s)
            sql_s = statistics.median(timings)
            connection.close()  # nothing of ours stays open beside the close
            run = run_measured(
                [
                    str(BIN / "kruzhok"),
                    "billing",
                    "close-month",
                    str(municipality.pk),
                    f"{first:%Y-%m}",
                    # The money part: the documents are rendered after it (timed below).
                    "--documents",
                    "later",
                ]
            )
            if run.returncode != 0:
                print(f"    {municipality.name}: the close failed (exit {run.returncode}):")
                print("\n".join(f"      {line}" for line in run.output.rstrip().splitlines()[-30:]))
                return 1
            invoiced = invoiced_totals(municipality.pk, first)
            lines = InvoiceLine.objects.filter(
                invoice__closure__municipality=municipality, invoice__closure__month=first
            ).count()
            billed_charges = Charge.objects.filter(
                contract__certificate__municipality=municipality,
                billed_month=first,
                reversed_at=None,
            ).count()
            match = invoiced == expected
            billed = re.search(r"Счета выставлены за (\d+,\d+) с", run.output)
            if billed is None:
                print(f"    {municipality.name}: the close did not say its time:\n{run.output}")
                return 1
            billed_s = float(billed.group(1).replace(",", "."))
            close = Close(
                municipality.name,
                sql_s,
                billed_s,
                run.wall_s,
                run.peak_mb,
                lines + billed_charges,
                match,
            )
            closes.append(close)
            print(
                f"    {municipality.name}: {len(invoiced)} invoices, {lines} lines, "
                f"{billed_charges} charges billed; "
                f"close {billed_s:.2f} s (process {run.wall_s:.2f} s), "
                f"peak {run.peak_mb:.0f} MB, {close.rows / billed_s:.0f} rows/s; "
                f"floor query {sql_s:.3f} s (ratio {billed_s / sql_s:.1f}); totals "
                + ("match" if match else f"DIFFER: {_differences(expected, invoiced)}"),
                flush=True,
            )
        wall_s = sum(c.wall_s for c in closes)
        sql_s = sum(c.sql_s for c in closes)
        rows = sum(c.rows for c in closes)
        process_s = sum(c.process_s for c in closes)
        print(
            f"    round {number}: wall {wall_s:.2f} s (processes {process_s:.2f} s), "
            f"floor {sql_s:.3f} s, "
            f"ratio {wall_s / sql_s:.1f}, {rows / wall_s:.0f} rows/s, "
            f"peak {max(c.peak_mb for c in closes):.0f} MB",
            flush=True,
        )
        rounds.append(closes)
    wall_s = statistics.median(sum(c.wall_s for c in r) for r in rounds)
    sql_s = statistics.median(sum(c.sql_s for c in r) for r in rounds)
    process_s = statistics.median(sum(c.process_s for c in r) for r in rounds)
    peak_mb = max(c.peak_mb for r in rounds for c in r)
    match = all(c.match for r in rounds for c in r)
    ratio = wall_s / sql_s
    documents_measure(first)
    print(
        f"  targets: ratio<=4 {'met' if ratio <= 4 else 'MISSED'}, "
        f"peak_mb<=500 {'met' if peak_mb <= 500 else 'MISSED'}, "
        f"totals_match {'met' if match else 'MISSED'}"
        + (f" (medians of {args.rounds} rounds)" if args.rounds > 1 else "")
    )
    print(f"billing processes: process_s={process_s:.2f} ratio={process_s / sql_s:.1f}")
    print(
        f"billing: children={figures.get('children', args.children)} "
        f"contracts={figures.get('contracts', '?')} marks={figures.get('marks', '?')} "
        f"wall_s={wall_s:.2f} sql_s={sql_s:.3f} ratio={ratio:.1f} peak_mb={peak_mb:.0f} "
        f"totals_match={'yes' if match else 'no'}"
    )
    return 0 if match else 1


def documents_measure(month: datetime.date, sample: int = 10) -> None:
    """Time the rendering of a sample of the closed month's invoices' documents (the worker
    renders them after the close, an invoice at a time, outside any provider's lock) and
    project it over every invoice; not part of wall_s."""
    invoices = list(
        Invoice.objects.filter(closure__month=month)
        .annotate(line_count=Count("lines"))
        .order_by("-line_count", "pk")
    )
    if not invoices:
        return
    # The largest, the median and the smallest invoices, as evenly as the sample allows.
    step = max(1, len(invoices) // sample)
    chosen = invoices[::step][:sample]
    timings = []
    for invoice in chosen:
        started = time.monotonic()
        with transaction.atomic(durable=True):
            invoice_documents_issue(invoice=invoice)
        timings.append(time.monotonic() - started)
    per_invoice = statistics.median(timings)
    print(
        f"  documents (rendered by the worker after the close, not in wall_s): "
        f"{len(invoices)} invoices, {len(chosen)} rendered here, median {per_invoice:.2f} s "
        f"an invoice (max {max(timings):.2f} s, {max(i.line_count for i in chosen)} lines), "
        f"projected {per_invoice * len(invoices):.0f} s on one worker",
        flush=True,
    )


def _differences(expected: Totals, invoiced: Totals) -> str:
    providers = sorted(set(expected) | set(invoiced))
    wrong = [p for p in providers if expected.get(p) != invoiced.get(p)]
    shown = ", ".join(
        f"provider {p}: query {expected.get(p)}, invoice {invoiced.get(p)}" for p in wrong[:5]
    )
    return f"{len(wrong)} providers ({shown})"


if __name__ == "__main__":
    sys.exit(main())
