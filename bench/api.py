"""The public API's catalogue search at a region's scale, over HTTP.

    make bench-api                                     # a throwaway PostgreSQL, as `make test`
    make bench-api ARGS=--quick                        # a smoke run: 2,000 programs, short rounds
    scripts/with-postgres.sh .venv/bin/python bench/api.py [--programs 20000] ...

What it does, all on this machine (traffic goes to 127.0.0.1 only):
  1. migrates the empty database it is given and seeds a region's catalogue in bulk
     (`browse_seed.region_seed`, as `make bench-browse`: `--programs` published programs of
     approved providers across nine municipalities, two groups each with a weekly schedule, a
     fifth of the groups full or half taken), then ANALYZE with the production recipe's
     random_page_cost;
  2. serves the portal with gunicorn (`--workers` sync workers, production settings, the
     anonymous rate limit raised out of the way) and asks GET /api/v1/catalog/programs with a
     mix of queries as a catalogue's clients make them (`api_queries`: words of a search in
     six of ten requests, направленность, age, municipality, financing source, free seats,
     ОВЗ; a quarter of the requests take the next page by the previous answer's cursor):
       - latency: one client, one request at a time, for `--seconds`: the search's own time
         as a client sees it (connection, Django, PostgreSQL, the JSON), with no queue;
       - throughput: `--clients` clients at once for `--seconds`: answers a second;
  3. times the federal Navigator package of the whole region through the same server (a
     regional administrator's token) and builds it in this process for its peak memory.

Every answer must be 200 (the exit status is 1 otherwise). Last, the database's own time of
each query of the mix and of its next page (EXPLAIN ANALYZE in this process) is summed up;
`--explain N` prints the plans of the N slowest.
The last line is `api: programs=<n> search_p50_ms=<n> search_p95_ms=<n> rps=<n>`: p50 and p95
of the latency round, answers a second of the throughput round (target: p95 ≤ 50 ms).
"""

import argparse
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from harness import production_environment  # noqa: E402

production_environment("api", "make bench-api")
# The bench asks as one anonymous address, far above what a person would.
os.environ["KRUZHOK_API_ANONYMOUS_RATE_PER_MINUTE"] = "100000000"

import django  # noqa: E402

django.setup()

from browse_seed import region_seed  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from harness import (  # noqa: E402
    CpuWindow,
    free_port,
    gunicorn,
    http_get,
    percentile,
    postmaster_pid,
    static_collect,
)

from kruzhok.accounts.models import Role, User  # noqa: E402
from kruzhok.api.navigator import navigator_feed  # noqa: E402
from kruzhok.api.services import api_token_create  # noqa: E402
from kruzhok.catalog.models import Direction, FinancingSource, Program  # noqa: E402
from kruzhok.common.models import Municipality  # noqa: E402

PATH = "/api/v1/catalog/programs"
# Words clients search by: subjects of the seeded catalogue in several forms, qualifiers, and
# a few that find nothing.
WORDS = [
    "робототехника",
    "робот",
    "шахматы",
    "рисование",
    "плавание",
    "гитара",
    "театр",
    "театральная студия",
    "3d",
    "моделирование",
    "олимпиадная подготовка",
    "для начинающих",
    "лепка",
    "дзюдо",
    "туризм",
    "программирование python",
    "английский",
    "футбол",
    "хореография",
    "вокал",
    "астрономия",
    "журналистика",
    "балет",
    "вышивание крестиком",
]
CURSOR_SHARE = 0.25


def api_queries(rng: random.Random, municipality_ids: list[int], n: int = 400) -> list[dict]:
    """Query parameters as a catalogue's clients send them."""
    queries: list[dict[str, Any]] = []
    for _ in range(n):
        params: dict[str, Any] = {}
        if rng.random() < 0.6:
            params["q"] = rng.choice(WORDS)
        if rng.random() < 0.3:
            params["direction"] = rng.choice(Direction.values)
        if rng.random() < 0.4:
            params["age"] = rng.randint(5, 17)
        if rng.random() < 0.3:
            params["municipality"] = rng.choice(municipality_ids)
        if rng.random() < 0.15:
            params["financing_source"] = rng.choice(FinancingSource.values)
        if rng.random() < 0.2:
            params["free_seats"] = "true"
        if rng.random() < 0.1:
            params["ovz"] = "true"
        if rng.random() < 0.1:
            params["limit"] = 50
        queries.append(params)
    return queries


class Client(threading.Thread):
    """One client: a request at a time until `stop_at`; now and then the next page of its
    previous answer."""

    def __init__(
        self, host: str, port: int, queries: list[dict], seed: int, stop_at: float
    ) -> None:
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.queries = queries
        self.rng = random.Random(seed)
        self.stop_at = stop_at
        self.latencies_ms: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        previous: dict[str, Any] | None = None
        cursor: str | None = None
        while time.monotonic() < self.stop_at:
            if cursor and previous is not None and self.rng.random() < CURSOR_SHARE:
                params = previous | {"cursor": cursor}
            else:
                params = self.rng.choice(self.queries)
            query = urllib.parse.urlencode(params)
            started = time.perf_counter()
            status, body = self.get(f"{PATH}?{query}")
            elapsed = (time.perf_counter() - started) * 1000
            self.latencies_ms.append(elapsed)
            if status != 200:
                self.failures.append(f"{status} for ?{query}: {body[:300]!r}")
                cursor = None
                continue
            previous = {k: v for k, v in params.items() if k != "cursor"}
            cursor = json.loads(body)["next_cursor"]

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError as error:
            return 0, str(error).encode()
        finally:
            connection.close()


def load(url: str, queries: list[dict], clients: int, seconds: float) -> list[Client]:
    parsed = urllib.parse.urlsplit(url)
    stop_at = time.monotonic() + seconds
    threads = [
        Client(parsed.hostname or "127.0.0.1", parsed.port or 80, queries, n, stop_at)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return threads


def sql_figures(queries: list[dict], count: int) -> None:
    """The database's own time for each query of the mix and for its second page (EXPLAIN
    ANALYZE of the statements the router makes, in this process): p50, p95 and max, and the
    plans of the `count` slowest — which, unlike the slowest answers over HTTP, do not depend
    on what else the machine was doing."""
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    timed: list[tuple[float, str, str]] = []
    seen: set[str] = set()
    for params in queries:
        key = json.dumps(params, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        pages = [params]
        first = client.get(PATH, params).json()
        if first.get("next_cursor"):
            pages.append(params | {"cursor": first["next_cursor"]})
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                client.get(PATH, page)
            for query in captured.captured_queries:
                if "catalog_program" not in query["sql"]:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                    plan = cursor.fetchone()[0][0]
                total = plan["Planning Time"] + plan["Execution Time"]
                timed.append((total, urllib.parse.urlencode(page), query["sql"]))
    ordered = sorted(t for t, _, _ in timed)
    print(
        f"  database time of {len(ordered)} statements (planning and execution): "
        f"p50={percentile(ordered, 50):.2f} p95={percentile(ordered, 95):.2f} "
        f"max={ordered[-1]:.2f} ms"
    )
    for total, query, sql in sorted(timed, reverse=True)[:count]:
        print(f"\n  {total:.1f} ms: ?{query}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join("    " + row[0] for row in cursor.fetchall()))
    connection.close()


def feed_figures(url: str) -> str:
    """The whole region's Navigator package: over HTTP as a regional administrator, and
    built in this process for its peak memory."""
    admin = User.objects.create_user(
        "bench-regional@example.ru",
        None,
        last_name="Бенч",
        first_name="Регион",
        role=Role.REGIONAL_ADMIN,
    )
    secret = api_token_create(user=admin, name="bench", days=1, provider_id=None).secret
    connection.close()
    parsed = urllib.parse.urlsplit(url)
    client = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
    started = time.perf_counter()
    client.request("GET", "/api/v1/feeds/navigator", headers={"Authorization": f"Bearer {secret}"})
    response = client.getresponse()
    body = response.read()
    http_s = time.perf_counter() - started
    client.close()
    if response.status != 200:
        raise RuntimeError(f"feed: {response.status}: {body[:500]!r}")
    package = json.loads(body)
    tracemalloc.start()
    size = sum(len(chunk) for chunk in navigator_feed())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    connection.close()
    counts = " ".join(
        f"{kind}={len(package[kind])}" for kind in ("partners", "programs", "groups", "schedules")
    )
    return (
        f"  navigator feed of the region: {counts}; {len(body) / 1e6:.1f} MB over HTTP in "
        f"{http_s:.1f} s; built in process with a peak of {peak / 1e6:.1f} MB traced "
        f"({size / 1e6:.1f} MB of text)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=20_000, help="programs in the catalogue")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=8, help="clients of the throughput round")
    parser.add_argument("--seconds", type=float, default=20, help="length of each round")
    parser.add_argument(
        "--explain", type=int, default=0, help="print the plans of the N slowest statements"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="2,000 programs, 5-second rounds")
    args = parser.parse_args()
    if args.quick:
        args.programs, args.seconds = min(args.programs, 2000), 5
    began = time.monotonic()
    print(
        f"api bench: programs={args.programs} gunicorn={args.workers} sync workers; "
        f"rounds of {args.seconds:.0f} s: 1 client, then {args.clients}",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    static_collect()
    if Program.objects.exists():
        raise SystemExit("api: the database already has programs; give it an empty one")
    rng = random.Random(args.seed)
    started = time.monotonic()
    programs = region_seed(programs=args.programs, rng=rng)
    with connection.cursor() as cursor:
        # The production recipe's planner setting for SSDs (README), as bench-browse sets it.
        cursor.execute(
            f"ALTER DATABASE {connection.settings_dict['NAME']} SET random_page_cost = 1.1"
        )
        cursor.execute("ANALYZE")
    queries = api_queries(rng, list(Municipality.objects.values_list("pk", flat=True)))
    print(f"  seeded {programs} programs in {time.monotonic() - started:.0f} s", flush=True)
    postmaster = postmaster_pid()
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="kruzhok-api-"))
    failures: list[str] = []
    try:
        with gunicorn(
            port=free_port(),
            workers=args.workers,
            worker_class="sync",
            threads=1,
            log=work / "gunicorn.log",
        ) as (url, gunicorn_pid):
            for params in queries[: 5 * args.workers]:
                status = http_get(f"{url}{PATH}?{urllib.parse.urlencode(params)}", timeout=30)
                if status != 200:
                    raise RuntimeError(f"warm-up: {params} answered {status}")
            rounds: dict[str, tuple[list[float], float]] = {}
            for name, clients in (("latency", 1), ("throughput", args.clients)):
                with CpuWindow(
                    gunicorn_pid=gunicorn_pid, postmaster_pid=postmaster, worker_pid=None
                ) as cpu:
                    threads = load(url, queries, clients, args.seconds)
                latencies = sorted(ms for t in threads for ms in t.latencies_ms)
                failures += [f for t in threads for f in t.failures]
                per_s = len(latencies) / cpu.marks["wall"]
                rounds[name] = (latencies, per_s)
                print(
                    f"  {name} round, {clients} client(s): {len(latencies)} requests, "
                    f"{per_s:.1f}/s, p50={percentile(latencies, 50):.1f} "
                    f"p95={percentile(latencies, 95):.1f} p99={percentile(latencies, 99):.1f} "
                    f"max={latencies[-1] if latencies else 0:.0f} ms",
                    flush=True,
                )
                print("  " + cpu.line(len(latencies), "request"), flush=True)
            print(feed_figures(url), flush=True)
        server_log = (work / "gunicorn.log").read_text()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if "Traceback" in server_log or "WORKER TIMEOUT" in server_log:
        failures.append("gunicorn's log has errors:\n" + server_log[-3000:])
    for failure in failures[:10]:
        print(f"  failed: {failure}")
    sql_figures(queries, args.explain)
    latencies, _ = rounds["latency"]
    print(f"  total {time.monotonic() - began:.0f} s; load: {os.getloadavg()[0]:.2f}")
    print(
        f"api: programs={programs} search_p50_ms={percentile(latencies, 50):.0f} "
        f"search_p95_ms={percentile(latencies, 95):.0f} rps={rounds['throughput'][1]:.0f}",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
