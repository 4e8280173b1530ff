"""Ledger throughput: transfers per second through `certificates.ledger`, beside a raw-SQL
baseline doing the same inserts and conditional updates over one connection (the limit).

    make bench-ledger              # SQLite, then a throwaway PostgreSQL (scripts/with-postgres.sh)
    .venv/bin/python bench/ledger.py [--transfers N] [--processes P] [--rounds R]

Workloads (each transfer posts 1 kopeck of a contract's hold, as an attended lesson does, in
its own durable transaction, as the journal's entry point runs it):
  many — transfers spread over many certificates and providers, from P worker processes,
         each with its own database connection (as gunicorn's workers would);
  hot  — every transfer against one certificate and one provider, from P processes
         (contention on the same three rows);
  raw  — the `many` statements (INSERT transfer, UPDATE hold, UPDATE both accounts with the
         same conditions) in one transaction per transfer over a single connection, no ORM,
         no savepoint, no idempotency read: the floor of the cost.
Figures are the median of the rounds. DEBUG is off (as in production: a debug cursor keeps
every query in memory). The last line is
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
from kruzhok.certificates.models import Account, Hold, Transfer  # noqa: E402
from kruzhok.common.models import Municipality  # noqa: E402
from kruzhok.families.models import Child  # noqa: E402
from kruzhok.providers.models import Provider, ProviderStatus  # noqa: E402

# (hold id, debit account id, credit account id): all a post needs to know of its hold.
HoldRef = tuple[int, int, int]


def _setup(certificates: int, providers: int) -> tuple[list[HoldRef], HoldRef]:
    call_command("migrate", verbosity=0)
    with transaction.atomic():
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


def _worker(holds: list[HoldRef], count: int, tag: str, seed: int, start: object) -> None:
    """One process: its own connection, `count` posts, each in its own durable transaction."""
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


def _run(holds: list[HoldRef], transfers: int, processes: int, tag: str) -> float:
    """Transfers per second through the ledger service from `processes` processes."""
    context = multiprocessing.get_context("fork")
    per_process = transfers // processes
    start = context.Barrier(processes + 1)
    connections.close_all()  # the children must not inherit an open connection
    workers = [
        context.Process(target=_worker, args=(holds, per_process, f"{tag}:{i}", i, start))
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


def _run_raw(holds: list[HoldRef], transfers: int, tag: str) -> float:
    """The same statements without the ORM, over one connection: the floor of the cost."""
    vendor = connection.vendor
    ph = "%s" if vendor == "postgresql" else "?"
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    rng = random.Random(7)
    account_table = Account._meta.db_table
    hold_table = Hold._meta.db_table
    transfer_table = Transfer._meta.db_table
    insert = (
        f"INSERT INTO {transfer_table} (kind, debit_account_id, credit_account_id, amount, "
        f"hold_id, idempotency_key, description, created_at) "
        f"VALUES ('post', {ph}, {ph}, 1, {ph}, {ph}, '', CURRENT_TIMESTAMP)"
    )
    update_hold = (
        f"UPDATE {hold_table} SET posted = posted + 1 "
        f"WHERE id = {ph} AND amount >= posted + voided + 1"
    )
    update_debit = (
        f"UPDATE {account_table} SET debits_pending = debits_pending - 1, "
        f"debits_posted = debits_posted + 1 WHERE id = {ph} AND debits_pending >= 1 "
        f"AND (NOT debits_must_not_exceed_credits OR credits_posted >= debits_posted + "
        f"debits_pending)"
    )
    update_credit = (
        f"UPDATE {account_table} SET credits_pending = credits_pending - 1, "
        f"credits_posted = credits_posted + 1 WHERE id = {ph} AND credits_pending >= 1"
    )
    cursor = raw.cursor()
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN"
    if vendor == "postgresql":
        raw.autocommit = True
    else:
        raw.isolation_level = None  # explicit BEGIN/COMMIT
    started = time.perf_counter()
    for n in range(transfers):
        hold_id, debit_id, credit_id = holds[rng.randrange(len(holds))]
        cursor.execute(begin)
        cursor.execute(insert, (debit_id, credit_id, hold_id, f"{tag}:{n}"))
        cursor.execute(update_hold, (hold_id,))
        for account_id in sorted((debit_id, credit_id)):
            statement = update_debit if account_id == debit_id else update_credit
            cursor.execute(statement, (account_id,))
            assert cursor.rowcount == 1
        cursor.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return transfers / elapsed


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
        many.append(_run(holds, args.transfers, args.processes, f"{tag}:many"))
        hot_tps.append(_run([hot], args.transfers, args.processes, f"{tag}:hot"))
        raw.append(_run_raw(holds, args.transfers, f"{tag}:raw"))
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
