"""CPU per page, in process: what one catalogue or program page costs the portal and PostgreSQL,
without HTTP, gunicorn or a load generator, so that a change to the pages can be weighed on a
busy shared machine (CPU time, not wall time).

    scripts/with-postgres.sh .venv/bin/python bench/page_cpu.py [--programs 20000] [--runs 5]
    ... bench/page_cpu.py --profile program_anonymous ...  # cProfile of these kinds

It seeds a region as `bench/browse.py` does (the same functions: the rush's 300 groups, the
region's programs, families with sessions, enrolment windows on the popular programs) into the
throwaway PostgreSQL it is given, in production settings (DEBUG off, the cached template
loader, the cache in a throwaway Redis as the bench's workers share it — `--cache locmem` gives
the process its own memory instead), then for each kind of page drives Django's test
client through the whole middleware stack: `--requests` requests after a warm-up, `--runs`
times. Each kind's figure is the median over the runs of the process's CPU time per request
(`time.process_time()`) and, beside it, the CPU time of the PostgreSQL backend that served them
and of the Redis server (read from /proc). The kinds are the bench's rounds: the session-only
page (the ceiling), the catalogue with the bench's query strings, and program pages (half the
popular programs, half any), each anonymous and logged in, new ones each run (as the bench's
rounds: most of the other programs are seen for the first time). Requests send no
If-None-Match.

Last line: `page_cpu: ceiling_ms=<n> catalog_anonymous_ms=<n> catalog_parent_ms=<n>
program_anonymous_ms=<n> program_parent_ms=<n>` (portal CPU per request, medians).
"""

import argparse
import cProfile
import datetime
import os
import pstats
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from harness import production_environment, redis_server  # noqa: E402

production_environment("page_cpu", "scripts/with-postgres.sh .venv/bin/python bench/page_cpu.py")


def cache_choice() -> str:
    """`--cache`, read before Django starts: the settings choose the cache backend from
    KRUZHOK_CACHE_URL when they are imported."""
    for n, arg in enumerate(sys.argv):
        if arg == "--cache" and n + 1 < len(sys.argv):
            return sys.argv[n + 1]
        if arg.startswith("--cache="):
            return arg.partition("=")[2]
    return "redis"


# One Redis as the bench's workers share (bench/browse.py), started before the settings read
# its address; stopped when the process ends.
_serving = ExitStack()
REDIS_PID: int | None = None
if cache_choice() == "redis":
    _cache_url, REDIS_PID = _serving.enter_context(redis_server())
    os.environ["KRUZHOK_CACHE_URL"] = _cache_url
else:
    os.environ.pop("KRUZHOK_CACHE_URL", None)

import django  # noqa: E402

django.setup()

from browse_seed import catalog_queries, region_seed  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from harness import static_collect  # noqa: E402
from rush_seed import families_seed, groups_seed  # noqa: E402

from kruzhok.accounts.models import User  # noqa: E402
from kruzhok.catalog.models import Program  # noqa: E402
from kruzhok.enrollment.models import EnrollmentWindow  # noqa: E402

KINDS = (
    "ceiling",
    "catalog_anonymous",
    "catalog_parent",
    "program_anonymous",
    "program_parent",
)


def backend_cpu_s() -> float:
    """CPU seconds the PostgreSQL backend of this connection has used (on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    return process_cpu_s(pid)


def process_cpu_s(pid: int | None) -> float:
    """CPU seconds process `pid` has used (0 without one)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=20_000)
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300, help="per kind and run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--profile", choices=KINDS, action="append", help="cProfile these kinds instead"
    )
    parser.add_argument(
        "--cache",
        choices=("redis", "locmem"),
        default="redis",
        help="one Redis as the bench's workers share (default), or the process's own memory",
    )
    parser.add_argument("--top", type=int, default=45, help="functions the profile prints")
    parser.add_argument(
        "--queries", choices=KINDS, action="append", help="print the SQL of one such request"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    static_collect()
    if User.objects.exists():
        raise SystemExit("page_cpu: the database already has users; give it an empty one")
    rng = random.Random(args.seed)
    started = time.monotonic()
    groups = groups_seed(groups=300, capacity=15, rng=rng)
    region_seed(programs=args.programs, rng=rng)
    families = families_seed(families=args.families, groups=groups, rng=rng)
    popular = sorted({group.program_id for group in groups})
    EnrollmentWindow.objects.bulk_create(
        EnrollmentWindow(program_id=pk, opens_at=timezone.now() + datetime.timedelta(days=1))
        for pk in popular
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER DATABASE {connection.settings_dict['NAME']} SET random_page_cost = 1.1"
        )
        cursor.execute("ANALYZE")
    connection.close()
    every = list(Program.objects.values_list("pk", flat=True))
    queries = catalog_queries(rng)
    print(
        f"page_cpu: {len(every)} programs, {len(families)} families, seeded in "
        f"{time.monotonic() - started:.0f} s; {args.requests} requests a kind, {args.runs} runs",
        flush=True,
    )

    csrf = "c" * 32
    anonymous = Client(HTTP_HOST="127.0.0.1")
    anonymous.cookies["csrftoken"] = csrf

    def parent_client(n: int) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = families[n % len(families)].session_key
        client.cookies["csrftoken"] = csrf
        return client

    parents = [parent_client(n) for n in range(20)]
    weights = [1 / (rank + 1) for rank in range(len(queries))]

    def program_path(r: random.Random) -> str:
        pk = r.choice(popular) if r.random() < 0.5 else r.choice(every)
        return f"/catalog/programs/{pk}/"

    def paths(kind: str, r: random.Random) -> Callable[[], tuple[Client, str]]:
        def one() -> tuple[Client, str]:
            client = r.choice(parents) if kind.endswith("_parent") else anonymous
            if kind == "ceiling":
                return (r.choice(parents), "/healthz/session")
            if kind.startswith("catalog"):
                return client, "/catalog/" + r.choices(queries, weights)[0]
            return client, program_path(r)

        return one

    def drive(kind: str, n: int, r: random.Random) -> tuple[float, float, float]:
        next_request = paths(kind, r)
        requests = [next_request() for _ in range(n)]
        redis_before = process_cpu_s(REDIS_PID)
        db_before, cpu_before = backend_cpu_s(), time.process_time()
        for client, path in requests:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"page_cpu: {path} answered {response.status_code}")
        cpu = time.process_time() - cpu_before
        db = backend_cpu_s() - db_before
        redis = process_cpu_s(REDIS_PID) - redis_before
        return 1000 * cpu / n, 1000 * db / n, 1000 * redis / n

    # Warm every kind once: templates compiled, cards and fragments cached as in a live worker.
    for kind in KINDS:
        drive(kind, args.requests, random.Random(args.seed))

    for kind in args.queries or ():
        client, path = paths(kind, random.Random(args.seed + 2))()
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        print(f"\n==== {kind}: {path}, {len(captured.captured_queries)} queries ====")
        for query in captured.captured_queries:
            print(f"  {query['time']} s  {query['sql'][:600]}")
    for kind in args.profile or ():
        print(f"\n==== {kind} ====")
        # CPU time, as the figures: waiting for PostgreSQL is not the portal's work.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        drive(kind, args.requests, random.Random(args.seed + 1))
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    if args.profile or args.queries:
        return 0

    figures: dict[str, list[tuple[float, float, float]]] = {kind: [] for kind in KINDS}
    for run in range(args.runs):
        for kind in KINDS:
            # New requests each run, as the bench's rounds make them: the popular programs and
            # queries come back, most of the catalogue's other programs are seen for the first
            # time (their cached parts are made then), as a worker sees them in a round.
            figures[kind].append(drive(kind, args.requests, random.Random(args.seed + 10 + run)))
    medians = {}
    for kind in KINDS:
        app = statistics.median(a for a, _, _ in figures[kind])
        db = statistics.median(d for _, d, _ in figures[kind])
        redis = statistics.median(r for _, _, r in figures[kind])
        spread = ", ".join(f"{a:.2f}" for a, _, _ in figures[kind])
        medians[kind] = app
        print(
            f"  {kind:18s} portal {app:6.2f} ms  postgres {db:5.2f} ms  redis {redis:5.2f} ms  "
            f"({medians[kind] / max(medians['ceiling'], 1e-9):.1f}× the ceiling; runs: {spread})"
        )
    print("page_cpu: " + " ".join(f"{kind}_ms={medians[kind]:.2f}" for kind in KINDS))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        # The static files production_environment had collected for this run.
        shutil.rmtree(os.environ["KRUZHOK_STATIC_ROOT"], ignore_errors=True)
        _serving.close()
