"""The operator's reports at a region's scale: the dashboard and the coverage page's server time.

    make bench-reports                      # a throwaway PostgreSQL, 100,000 children
    scripts/with-postgres.sh .venv/bin/python bench/reports.py [--children 100000]
        [--contracts-per-child 1.5] [--month 2026-10] [--seed 2026] [--rounds 5] [--reuse]

What it does:
  1. generates the region with `bench/region.py` (same options) into the empty database it is
     given, as a process of its own (seven municipalities, children 5–17 with certificates,
     contracts, a month of attendance and its money; `kruzhok ledger check` has passed);
  2. enters each municipality's population figures through `common.population.population_set`:
     the children generated of each age, plus a quarter (not every child of a district is
     registered on the portal), so that coverage has a denominator;
  3. as a regional administrator (the whole region: the heaviest page) and as the operator of
     the largest municipality, requests through Django's test client, in this process, with
     DEBUG off: the dashboard (`reports:index`) and the coverage by направленность
     (`reports:report coverage-direction`), on the report date 15 of the generated month. Each
     page is requested once to warm the caches, then `--rounds` times, each after emptying
     Django's cache (so the dashboard counts the figures it keeps for five minutes every
     time); the figure is the median wall time of the request (the server's time: view,
     queries, template; no network), and the number of queries of one request. The
     dashboard is timed again with its figures from the cache (printed, not a target).

The money by month and the providers' pages are timed once each too (printed, not targets).
With `--reuse` it measures a region already in the database (`DATABASE_URL`), generated earlier.

The last line is
`reports: children=<n> dashboard_ms=<n> coverage_ms=<n> queries=<n>`, for the regional
administrator (queries: the dashboard's). Target: under 2,000 ms each at 100,000 children.
"""

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
os.environ.setdefault("KRUZHOK_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "0")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit(
        "reports: needs a throwaway PostgreSQL: run `make bench-reports` "
        "(or scripts/with-postgres.sh .venv/bin/python bench/reports.py)"
    )

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from kruzhok.accounts.models import Role, User  # noqa: E402
from kruzhok.common.models import Municipality  # noqa: E402
from kruzhok.common.population import population_set  # noqa: E402
from kruzhok.families.models import Child  # noqa: E402
from kruzhok.reports.selectors import age_on  # noqa: E402


def region_generate(args: argparse.Namespace) -> int:
    """bench/region.py as a process of its own; the number of children it made."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "region.py"),
        "--children",
        str(args.children),
        "--contracts-per-child",
        str(args.contracts_per_child),
        "--month",
        args.month,
        "--seed",
        str(args.seed),
    ]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    output = done.stdout + done.stderr
    print("\n".join(f"  | {line}" for line in output.rstrip().splitlines()))
    print(f"  generation: exit {done.returncode} in {time.monotonic() - started:.0f} s")
    if done.returncode != 0:
        raise SystemExit(1)
    made = re.search(r"^region: children=(\d+)", output, re.MULTILINE)
    return int(made.group(1)) if made else 0


def population_enter(on: datetime.date) -> None:
    """Each municipality's children per age (one GROUP BY), a quarter more, through the
    service an operator's form uses."""
    counts: dict[int, dict[int, int]] = {}
    rows = (
        Child.objects.annotate(age=age_on(on))
        .exclude(age=None)
        .values("municipality", "age")
        .annotate(n=Count("pk"))
        .values_list("municipality", "age", "n")
    )
    for municipality_id, age, n in rows:
        counts.setdefault(municipality_id, {})[age] = n
    for municipality in Municipality.objects.filter(pk__in=counts):
        figures = {age: round(n * 1.25) for age, n in counts[municipality.pk].items()}
        population_set(municipality=municipality, figures=figures, as_of=on, actor=None)


def measure(client: Client, url: str, rounds: int, cold: bool = True) -> tuple[float, int]:
    """Median milliseconds of `rounds` requests after a warm-up, and one request's queries.
    Cold (the default): Django's cache is emptied before each request, so the dashboard
    counts its figures every time; warm: they come from the cache (kept five minutes)."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"reports: {url} answered {response.status_code}")
    times = []
    for _ in range(rounds):
        if cold:
            cache.clear()
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--contracts-per-child", type=float, default=1.5)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the region already in the database (DATABASE_URL) instead of generating one",
    )
    args = parser.parse_args()
    first = datetime.date.fromisoformat(f"{args.month}-01")
    on = first.replace(day=15)
    print(f"reports bench: {args.children} children, report date {on:%d.%m.%Y}", flush=True)
    children = Child.objects.count() if args.reuse else region_generate(args)
    population_enter(on)
    User.objects.filter(email__startswith="bench-").delete()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    regional = User.objects.create_user(
        "bench-regional@example.ru", None, role=Role.REGIONAL_ADMIN, last_name="Бенч"
    )
    largest = (
        Municipality.objects.annotate(n=Count("children")).order_by("-n").values_list("pk", "n")
    )[0]
    operator = User.objects.create_user(
        "bench-operator@example.ru",
        None,
        role=Role.OPERATOR,
        municipality_id=largest[0],
        last_name="Бенч",
    )
    query = f"?on={on.isoformat()}"
    dashboard = reverse("reports:index") + query
    coverage = reverse("reports:report", args=["coverage-direction"]) + query
    results = {}
    for label, user in (("regional", regional), ("operator", operator)):
        client = Client()
        client.force_login(user)
        dashboard_ms, dashboard_queries = measure(client, dashboard, args.rounds)
        cached_ms, cached_queries = measure(client, dashboard, args.rounds, cold=False)
        coverage_ms, coverage_queries = measure(client, coverage, args.rounds)
        results[label] = (dashboard_ms, coverage_ms, dashboard_queries)
        money_ms, _ = measure(client, reverse("reports:report", args=["money"]) + query, 1)
        providers_ms, _ = measure(client, reverse("reports:report", args=["providers"]) + query, 1)
        print(
            f"  {label}: dashboard {dashboard_ms:.0f} ms ({dashboard_queries} queries; "
            f"from the cache {cached_ms:.0f} ms, {cached_queries} queries), "
            f"coverage {coverage_ms:.0f} ms ({coverage_queries} queries), "
            f"money by month {money_ms:.0f} ms, providers {providers_ms:.0f} ms"
            + (f", municipality of {largest[1]} children" if label == "operator" else ""),
            flush=True,
        )
    dashboard_ms, coverage_ms, queries = results["regional"]
    print(
        f"reports: children={children} dashboard_ms={dashboard_ms:.0f} "
        f"coverage_ms={coverage_ms:.0f} queries={queries}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
