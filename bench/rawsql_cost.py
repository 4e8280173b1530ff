"""What each hand-written statement of the rush buys: CPU per application, by hand and by ORM.

    scripts/with-postgres.sh .venv/bin/python bench/rawsql_cost.py [--rounds 41] [--batch 50]

Hand-written SQL stays only where the ORM cannot say it or where the rush measurably needs it
(see `common.rawsql`). This times, in this process (the CPU the web worker spends; the
database's own work is the same either way), each statement the submission still writes by
hand against the ORM's queries that the parity tests hold equal to it:

  submission_facts  enrollment.submission_facts.submission_facts (one statement) against
                    enrollment/tests/submission_orm.py (three queries);
  child_lock        child_row_lock, which `other_certificate_programs_locked` takes first;
  programs_recount  other_certificate_programs_count, its recount under that lock;
  seat_take         catalog.seats.group_seat_take, the conditional UPDATE;
  seats_lock        catalog.seats.group_seats_lock, the locking SELECT of the free seats
                    (against catalog/tests/seats_orm.py).

A submission runs each at most once: the reading always, the lock and the recount when the
financing program limits the programs per child, then the seat taken or, when none is free
or a person decides, the locking read (both for a full auto-accept group). `total` is their
sum, the most a submission spends on them. Each call is timed with the process's CPU clock
in batches of `--batch` calls inside a transaction that is rolled back; the figure is the
median over `--rounds` batches, the two versions alternating. DEBUG is off, as under
gunicorn. Measured before it went back to the ORM, the application's INSERT saved 0.03-0.05
ms; freeing a seat is not on the rush's path and went back unmeasured.

It migrates the empty database it is given (it refuses one with users in it) and builds the
test suite's small world in it. The lines end with
`rawsql: total_ms_sql=<ms> orm=<ms> saved=<ms>`.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
os.environ["KRUZHOK_ENV"] = "production"
# Plain HTTP on 127.0.0.1, and letters thrown away: the settings allow both only when asked.
os.environ["KRUZHOK_HTTPS"] = "0"
os.environ["KRUZHOK_BENCH_DISCARDS_MAIL"] = "1"
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("KRUZHOK_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("KRUZHOK_LOG_LEVEL", "WARNING")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit(
        "rawsql_cost: needs a throwaway PostgreSQL: "
        "scripts/with-postgres.sh .venv/bin/python bench/rawsql_cost.py"
    )

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from kruzhok.accounts.models import User  # noqa: E402
from kruzhok.catalog import seats  # noqa: E402
from kruzhok.catalog.models import Group  # noqa: E402
from kruzhok.catalog.tests import seats_orm  # noqa: E402
from kruzhok.enrollment import services  # noqa: E402
from kruzhok.enrollment import submission_facts as by_hand  # noqa: E402
from kruzhok.enrollment.tests import submission_orm  # noqa: E402
from kruzhok.enrollment.tests.world import TODAY, group_make, program_make, world_make  # noqa: E402

Call = Callable[[], object]


def _statements() -> list[tuple[str, Call, Call]]:
    """The world, and each statement's two versions as calls on it."""
    world = world_make()
    # The child already applied to two other certificate-paid programs: the counts join rows.
    for title in ("Шахматы", "Робототехника"):
        other = group_make(program_make(world.provider, title=title), world.teacher)
        services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=other.pk)
    # Room for every seat the batches take (each batch is rolled back anyway).
    Group.objects.filter(pk=world.group.pk).update(capacity=1_000_000)
    question = {
        "user_id": world.parent.pk,
        "child_id": world.child.pk,
        "group_id": world.group.pk,
        "today": TODAY,
    }
    recount = {"child_id": world.child.pk, "program_id": world.program.pk}
    group = {"group_id": world.group.pk}
    read, orm = by_hand.submission_facts(**question), submission_orm.submission_facts(**question)
    assert read is not None and orm is not None
    assert (
        (read.other_certificate_programs, read.programs_limit, read.is_guardian)
        == (
            orm.other_certificate_programs,
            orm.programs_limit,
            orm.is_guardian,
        )
        == (2, 3, True)
    )
    return [
        (
            "submission_facts",
            lambda: by_hand.submission_facts(**question),
            lambda: submission_orm.submission_facts(**question),
        ),
        (
            "child_lock",
            lambda: by_hand.child_row_lock(child_id=world.child.pk),
            lambda: submission_orm.child_row_lock(child_id=world.child.pk),
        ),
        (
            "programs_recount",
            lambda: by_hand.other_certificate_programs_count(**recount),
            lambda: submission_orm.other_certificate_programs_count(**recount),
        ),
        (
            "seat_take",
            lambda: seats.group_seat_take(**group),
            lambda: seats_orm.group_seat_take(**group),
        ),
        (
            "seats_lock",
            lambda: seats.group_seats_lock(**group),
            lambda: seats_orm.group_seats_lock(**group),
        ),
    ]


def _batch(call: Call, n: int) -> float:
    """CPU milliseconds per call, over `n` calls in a transaction that is then rolled back."""
    with transaction.atomic():
        started = time.process_time()
        for _ in range(n):
            call()
        spent = time.process_time() - started
        transaction.set_rollback(True)
    return spent / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=41, help="batches per version")
    parser.add_argument("--batch", type=int, default=50, help="calls per batch")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if User.objects.exists():
        raise SystemExit("rawsql_cost: the database already has users; give it an empty one")
    statements = _statements()
    print(
        f"rawsql_cost: {connection.vendor}, CPU of this process per call, "
        f"median of {args.rounds} batches of {args.batch}"
    )
    totals = [0.0, 0.0]
    for name, sql, orm in statements:
        for call in (sql, orm):  # warm up: statement caches, the compiler's imports
            _batch(call, args.batch)
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(args.rounds):
            for spent, call in zip(times, (sql, orm), strict=True):
                spent.append(_batch(call, args.batch))
        sql_ms, orm_ms = (statistics.median(spent) for spent in times)
        totals = [totals[0] + sql_ms, totals[1] + orm_ms]
        print(f"rawsql: {name}_ms_sql={sql_ms:.3f} orm={orm_ms:.3f} saved={orm_ms - sql_ms:.3f}")
    sql_ms, orm_ms = totals
    print(f"rawsql: total_ms_sql={sql_ms:.3f} orm={orm_ms:.3f} saved={orm_ms - sql_ms:.3f}")


if __name__ == "__main__":
    main()
