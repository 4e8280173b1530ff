"""The operator's pages at a region's scale: server time and queries of each.

    scripts/with-postgres.sh .venv/bin/python bench/oversight.py [--children 100000]

Generates the region with `bench/region.py` into the empty PostgreSQL it is given (as
`make bench-billing` does), then, as a regional administrator (the whole region) and as the
operator of the largest municipality, requests in-process (Django's test client, DEBUG off)
the home page, every register's first page, a surname search, a СНИЛС search (POST), the
audit log, and the providers register as XLSX; each is requested three times and the median
kept. Prints a line per page and, last,
`oversight: children=<n> home_ms=<n> register_ms_max=<n> export_ms=<n> queries_max=<n>`
(the largest over both readers).
"""

import argparse
import os
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
    raise SystemExit("oversight: needs a throwaway PostgreSQL (scripts/with-postgres.sh ...)")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from kruzhok.accounts.models import Role, User  # noqa: E402
from kruzhok.common.models import Municipality  # noqa: E402
from kruzhok.families.models import Child  # noqa: E402

REGISTERS = ("certificates", "children", "contracts", "providers", "programs")


def timed(
    client: Client, method: str, url: str, data: dict[str, str] | None = None
) -> tuple[float, int]:
    """Median milliseconds of three requests, and the queries of the last."""
    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = getattr(client, method)(url, data or {})
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"oversight: {method.upper()} {url} answered {response.status_code}")
    return statistics.median(times), len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    args = parser.parse_args()
    generated = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "region.py"), "--children", str(args.children)],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    print("\n".join(f"  | {line}" for line in generated.stdout.rstrip().splitlines()[-3:]))
    if generated.returncode != 0:
        print(generated.stderr[-2000:])
        return 1
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    largest = (
        Municipality.objects.annotate(n=Count("children"))
        .order_by("-n")
        .values_list("pk", flat=True)
    )[0]
    readers = {
        "regional": User.objects.create_user(
            "regional@bench.ru",
            None,
            last_name="Регионов",
            first_name="Р",
            role=Role.REGIONAL_ADMIN,
        ),
        "operator": User.objects.create_user(
            "operator@bench.ru",
            None,
            last_name="Операторов",
            first_name="О",
            role=Role.OPERATOR,
            municipality_id=largest,
        ),
    }
    child = Child.objects.filter(municipality_id=largest).order_by("pk").first()
    assert child is not None
    home_ms = register_ms = export_ms = 0.0
    queries_max = 0
    for who, user in readers.items():
        client = Client()
        client.force_login(user)
        pages = [
            ("home", "get", reverse("oversight:home"), None),
            *(
                (f"register {slug}", "get", reverse("oversight:register", args=[slug]), None)
                for slug in REGISTERS
            ),
            (
                "children by surname",
                "get",
                reverse("oversight:register", args=["children"]),
                {"q": child.last_name[:4].lower()},
            ),
            (
                "certificates by СНИЛС",
                "post",
                reverse("oversight:register", args=["certificates"]),
                {"snils": child.snils},
            ),
            ("audit", "get", reverse("oversight:audit"), None),
            (
                "providers XLSX",
                "get",
                reverse("oversight:register_export", args=["providers"]),
                None,
            ),
        ]
        for name, method, url, data in pages:
            ms, queries = timed(client, method, url, data)
            print(f"  {who:8} {name:24} {ms:8.1f} ms {queries:3d} queries", flush=True)
            queries_max = max(queries_max, queries)
            if name == "home":
                home_ms = max(home_ms, ms)
            elif name == "providers XLSX":
                export_ms = max(export_ms, ms)
            else:
                register_ms = max(register_ms, ms)
    print(
        f"oversight: children={Child.objects.count()} home_ms={home_ms:.0f} "
        f"register_ms_max={register_ms:.0f} export_ms={export_ms:.0f} queries_max={queries_max}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
