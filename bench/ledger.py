"""Ledger throughput: transfers per second through `certificates.ledger`, beside a raw-SQL
baseline doing the same inserts and conditional updates from as many processes (the floor).

    make bench-ledger              # SQLite, then a throwaway PostgreSQL (scripts/with-postgres.sh)
    .venv/bin/python bench/ledger.py [--transfers N] [--processes P] [--rounds R]

Workloads (each transfer posts 1 kopeck of a contract's hold, as an attended lesson does, in
its own durable transaction, as the journal's entry point runs it):
  many — transfers spread over many certificates and providers, from P worker processes,
         each with its own database connection (as gunicorn's workers would);
  hot  — every transfer against one certificate and one provider, from P processes
         (contention on the same three rows);
  raw  — the statements of `many` (INSERT transfer, UPDATE hold, UPDATE both accounts in
         primary-key order with the ledger's conditions) in one transaction per transfer on
         the driver's cursor: no ORM, no service, no savepoint, no idempotency clause. Run
         like `many`: P processes, each with its own connection, over the same holds in the
         same order (the same seeds), released by the same barrier and timed the same way,
         so `ratio` compares like with like: the floor of the cost.
On SQLite every writer takes the lock with BEGIN IMMEDIATE and waits for it with the
settings' busy timeout, in both workloads. Figures are the median of the rounds. DEBUG is
off (as in production: a debug cursor keeps every query in memory). The last line is
`ledger: db=<vendor> many_tps=<n> hot_tps=<n> raw_tps=<n> ratio=<many_tps/raw_tps>`.
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
os.environ.setdefault("KRUZHOK_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault(
        "KRUZHOK_SQLITE_PATH", str(Path(tempfile.mkdtemp(prefix="kruzhok-bench-")) / "bench.db")
    )

import django

django.setup()

import datetime  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from stdnum.ru import inn as stdnum_inn  # noqa: E402

from kruzhok.certificates import ledger  # noqa: E402
from kruzhok.certificates import services as certificate_services  # noqa: E402
from kruzhok.certificates.models import Account, Hold, Transfer, TransferKind  # noqa: E402
from kruzhok.common import rawsql  # noqa: E402
from kruzhok.common.models import Municipality  # noqa: E402
from kruzhok.families.models import Child  # noqa: E402
from kruzhok.providers.models import Provider, ProviderStatus  # noqa: E402

# (hold id, debit account id, credit account id): all a post needs to know of its hold.
HoldRef = tuple[int, int, int]


def _setup(certificates: int, providers: int) -> tuple[list[HoldRef], HoldRef]:
    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.create(name=f"Бенчмарк {time.time_ns()}")
    financing = certificate_services.financing_program_create(
        municipality=municipality,
        title="bench",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2027, 8, 31),
        max_funded_certificates=certificates + 1,
        budget_cap=(certificates + 1) * 10_000_000,
        nominal_bands=[(0, 18, 10_000_000)],
    )
    # Money moves only inside a durable transaction (the ledger refuses otherwise).
    with transaction.atomic(durable=True):
        provider_rows = []
        # Numbers unique across runs against the same database.
        first = Provider.objects.count() + 1_000_000
        for n in range(first, first + providers):
            body = f"26{n:07d}"
            provider_rows.append(
                Provider.objects.create(
                    kind="organization",
                    full_name=f"Поставщик {n}",
                    short_name=f"П{n}",
                    inn=body + stdnum_inn.calc_company_check_digit(body),
                    ogrn=f"{1_022_600_000_000 + n * 10 + 7}",
                    address="-",
                    municipality=municipality,
                    status=ProviderStatus.APPROVED,
                )
            )
        holds = []
        for n in range(certificates + 1):
            child = Child.objects.create(
                last_name="Бенчмарк",
                first_name=str(n),
                birth_date=datetime.date(2016, 1, 1),
                snils=f"{time.time_ns() % 10**7:07d}{n:04d}"[-11:],
                municipality=municipality,
            )
            certificate = certificate_services.certificate_issue(child=child)
            certificate_services.certificate_fund(
                certificate=certificate, financing_program=financing
            )
            hold = ledger.hold_create(
                certificate=certificate,
                provider=provider_rows[n % providers],
                amount=10_000_000,
                cause=f"bench:{certificate.pk}",
                key=f"bench-hold:{certificate.pk}",
            )
            holds.append((hold.pk, hold.debit_account_id, hold.credit_account_id))
    return holds[:-1], holds[-1]


def _ledger_worker(holds: list[HoldRef], count: int, tag: str, seed: int, start: object) -> None:
    """One process: its own connection, `count` posts through the ledger, each in its own
    durable transaction."""
    connections.close_all()  # never reuse the parent's socket or file handle after fork
    rng = random.Random(seed)
    refs = [Hold(pk=pk, debit_account_id=d, credit_account_id=c) for pk, d, c in holds]
    connection.ensure_connection()
    start.wait()  # type: ignore[attr-defined]
    for n in range(count):
        hold = refs[rng.randrange(len(refs))]
        with transaction.atomic(durable=True):
            ledger.hold_post(hold=hold, amount=1, key=f"{tag}:{n}")
    connections.close_all()


def _raw_statements(placeholder: str) -> tuple[str, str, str, str]:
    """A post's statements with the ledger's conditions on the columns a post moves (see
    `certificates.ledger_sql`): INSERT transfer, UPDATE hold, UPDATE the debit account and
    the credit account. The amount and the guard's margin are parameters, as there."""
    p = placeholder
    t, h, a = Transfer, Hold, Account
    c = rawsql.column
    insert = (
        f"INSERT INTO {rawsql.table(t)} ({c(t, 'kind')}, {c(t, 'debit_account_id')}, "
        f"{c(t, 'credit_account_id')}, {c(t, 'amount')}, {c(t, 'hold_id')}, "
        f"{c(t, 'idempotency_key')}, {c(t, 'description')}, {c(t, 'created_at')}) "
        f"VALUES ('{TransferKind.POST.value}', {p}, {p}, {p}, {p}, {p}, '', CURRENT_TIMESTAMP)"
    )
    amount, posted, voided = c(h, "amount"), c(h, "posted"), c(h, "voided")
    update_hold = (
        f"UPDATE {rawsql.table(h)} SET {posted} = {posted} + {p} "
        f"WHERE {c(h, 'id')} = {p} AND {amount} >= {posted} + {voided} + {p} "
        f"AND {posted} + {p} >= 0"
    )
    d_pending, d_posted = c(a, "debits_pending"), c(a, "debits_posted")
    c_pending, c_posted = c(a, "credits_pending"), c(a, "credits_posted")
    # A guarded account's debits (posted and pending) stay within its posted credits.
    guarded = (
        f"(NOT {c(a, 'debits_must_not_exceed_credits')} "
        f"OR {c_posted} - {d_posted} - {d_pending} >= {p})"
    )
    update_debit = (
        f"UPDATE {rawsql.table(a)} SET {d_pending} = {d_pending} - {p}, "
        f"{d_posted} = {d_posted} + {p} WHERE {c(a, 'id')} = {p} "
        f"AND {d_pending} - {p} >= 0 AND {d_posted} + {p} >= 0 AND {guarded}"
    )
    update_credit = (
        f"UPDATE {rawsql.table(a)} SET {c_pending} = {c_pending} - {p}, "
        f"{c_posted} = {c_posted} + {p} WHERE {c(a, 'id')} = {p} "
        f"AND {c_pending} - {p} >= 0 AND {c_posted} + {p} >= 0 AND {guarded}"
    )
    return insert, update_hold, update_debit, update_credit


def _raw_worker(holds: list[HoldRef], count: int, tag: str, seed: int, start: object) -> None:
    """One process: its own connection, `count` posts as raw statements on the driver's
    cursor, each in its own transaction: no ORM, no service, no savepoint."""
    connections.close_all()  # never reuse the parent's socket or file handle after fork
    rng = random.Random(seed)
    vendor = connection.vendor
    insert, update_hold, update_debit, update_credit = _raw_statements(
        "%s" if vendor == "postgresql" else "?"
    )
    # Django's own connection, so that SQLite waits for the write lock with the settings'
    # busy timeout, as the ledger's workers do. It is in autocommit mode: BEGIN and COMMIT
    # are ours, BEGIN IMMEDIATE as the settings' `transaction_mode` issues it.
    connection.ensure_connection()
    assert connection.get_autocommit()
    raw = connection.connection
    assert raw is not None
    cursor = raw.cursor()
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN"
    start.wait()  # type: ignore[attr-defined]
    for n in range(count):
        hold_id, debit_id, credit_id = holds[rng.randrange(len(holds))]
        cursor.execute(begin)
        cursor.execute(insert, (debit_id, credit_id, 1, hold_id, f"{tag}:{n}"))
        cursor.execute(update_hold, (1, hold_id, 1, 1))
        assert cursor.rowcount == 1
        # Accounts in primary-key order, as the ledger locks them.
        for account_id in sorted((debit_id, credit_id)):
            if account_id == debit_id:  # debits grow by 1 - 1, credits by 0
                cursor.execute(update_debit, (1, 1, account_id, 1, 1, 0))
            else:  # credits grow by 1, debits by 0
                cursor.execute(update_credit, (1, 1, account_id, 1, 1, -1))
            assert cursor.rowcount == 1
        cursor.execute("COMMIT")
    cursor.close()
    connections.close_all()


Worker = Callable[[list[HoldRef], int, str, int, object], None]


def _run(worker: Worker, holds: list[HoldRef], transfers: int, processes: int, tag: str) -> float:
    """Transfers per second from `processes` processes running `worker`, timed from the
    moment all of them are connected and released together until the last one ends."""
    context = multiprocessing.get_context("fork")
    per_process = transfers // processes
    start = context.Barrier(processes + 1)
    connections.close_all()  # the children must not inherit an open connection
    workers = [
        context.Process(target=worker, args=(holds, per_process, f"{tag}:{i}", i, start))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    start.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    failed = [w.exitcode for w in workers if w.exitcode != 0]
    if failed:
        raise SystemExit(f"bench: {len(failed)} worker processes failed (exit codes {failed})")
    return per_process * processes / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=4000, help="per workload and round")
    parser.add_argument(
        "--processes", type=int, default=4, help="worker processes, each with a connection"
    )
    parser.add_argument("--certificates", type=int, default=500)
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="report the median of rounds")
    args = parser.parse_args()
    vendor = connection.vendor
    print(
        f"ledger bench: db={vendor} transfers={args.transfers} processes={args.processes} "
        f"rounds={args.rounds} cpus={os.cpu_count()}",
        flush=True,
    )
    holds, hot = _setup(args.certificates, args.providers)
    many, hot_tps, raw = [], [], []
    run = time.time_ns()
    for round_number in range(1, args.rounds + 1):
        tag = f"bench:{run}:{round_number}"
        many.append(_run(_ledger_worker, holds, args.transfers, args.processes, f"{tag}:many"))
        hot_tps.append(_run(_ledger_worker, [hot], args.transfers, args.processes, f"{tag}:hot"))
        raw.append(_run(_raw_worker, holds, args.transfers, args.processes, f"{tag}:raw"))
        print(
            f"  round {round_number}: many={many[-1]:.0f}/s hot={hot_tps[-1]:.0f}/s "
            f"raw={raw[-1]:.0f}/s",
            flush=True,
        )
    call_command("ledger", "check")
    many_tps, hot_median, raw_tps = (statistics.median(x) for x in (many, hot_tps, raw))
    print(
        f"ledger: db={vendor} many_tps={many_tps:.0f} hot_tps={hot_median:.0f} "
        f"raw_tps={raw_tps:.0f} ratio={many_tps / raw_tps:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
