"""What the HTTP benchmarks share (`bench/rush.py`, `bench/browse.py`): gunicorn in production
mode on a free port, the mail worker, a throwaway Redis for the workers' shared cache
(`redis_server`, from tests/throwaway_redis.py), CPU accounting per process tree, the audit of
seats and waiting lines, `kruzhok ledger check` and pgbench's figure of the machine.

Imported after `django.setup()` by a script that has set the environment (production mode,
a throwaway PostgreSQL in DATABASE_URL) as `bench/rush.py` does.
"""

import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SEAT_STATUSES = ("accepted", "contracted", "active")

# The benches' shared cache is started as the tests start theirs (re-exported from here).
sys.path.insert(0, str(ROOT))
from tests.throwaway_redis import redis_server as redis_server  # noqa: E402


def production_environment(bench: str, make_target: str) -> None:
    """The environment of a bench, set before `django.setup()`: production settings on the
    throwaway PostgreSQL in DATABASE_URL (refused without one), this checkout's code."""
    sys.path.insert(0, str(ROOT / "src"))
    # gunicorn, the mail worker and `kruzhok ledger check` run from the virtualenv's scripts,
    # whose editable install may point at another checkout: they import this one's code.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
    os.environ["KRUZHOK_ENV"] = "production"
    # Plain HTTP on 127.0.0.1, and letters thrown away: the settings allow both only when asked.
    os.environ["KRUZHOK_HTTPS"] = "0"
    os.environ["KRUZHOK_BENCH_DISCARDS_MAIL"] = "1"
    # Production names static files by their manifest: `static_collect` fills a folder of the
    # bench's own.
    os.environ["KRUZHOK_STATIC_ROOT"] = tempfile.mkdtemp(prefix=f"kruzhok-{bench}-static-")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    # Production refuses to start without the address its letters link to.
    os.environ.setdefault("KRUZHOK_SITE_URL", "http://127.0.0.1")
    os.environ.setdefault("KRUZHOK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit(
            f"{bench}: needs a throwaway PostgreSQL: run `{make_target}` "
            f"(or scripts/with-postgres.sh .venv/bin/python bench/{bench}.py)"
        )


def static_collect() -> None:
    """Collect the static files into the bench's folder (after `django.setup()`): production
    serves them by their manifest's hashed names, and a page without them answers 500."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str, cookie: str = "", timeout: float = 10) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@contextmanager
def gunicorn(
    *, port: int, workers: int, worker_class: str, threads: int, log: Path
) -> Iterator[tuple[str, int]]:
    """Serve the portal on 127.0.0.1:port until the block ends; stop it whatever happens.
    Yields the URL and the master's process id."""
    command = [
        str(BIN / "gunicorn"),
        "kruzhok.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    process = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while http_get(f"{url}/healthz", timeout=2) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url, process.pid
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def mail_worker() -> Iterator[int]:
    """The e-mail worker (`kruzhok notifications_send --loop`), as production runs it beside
    the portal, at a lower priority than the portal's workers: a letter may wait a few
    seconds, a parent's answer should not."""
    process = subprocess.Popen(
        ["nice", "-n", "10", str(BIN / "kruzhok"), "notifications_send", "--loop"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def mail_drain(limit_s: float = 120) -> float:
    """Seconds from the end of the rush until the worker has sent every letter."""
    from kruzhok.notifications.models import Notification

    started = time.monotonic()
    while Notification.objects.filter(emailed_at=None, email_error="").exists():
        if time.monotonic() - started > limit_s:
            raise RuntimeError(f"mail: letters still queued {limit_s:.0f} s after the rush")
        time.sleep(0.2)
    connection.close()
    return time.monotonic() - started


def _tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by a process and all its descendants, those already reaped
    included (their times are in their parents' cutime and cstime)."""
    parents: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents.setdefault(int(fields[1]), []).append(pid)
        times[pid] = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(parents.get(pid, []))
    return total


def _machine_busy_s() -> float:
    """CPU seconds all processes of the machine have used since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def postmaster_pid() -> int | None:
    """The PostgreSQL server's process id, when it runs on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])


@dataclass
class CpuWindow:
    """Where the machine's CPU went while the rush ran: the portal's workers, PostgreSQL,
    the shared cache, the load generator and everything else (another user's tests on a
    shared machine)."""

    gunicorn_pid: int
    postmaster_pid: int | None
    worker_pid: int | None
    cache_pid: int | None = None
    started: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)
    stopped: bool = False

    def _read(self) -> dict[str, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "gunicorn": _tree_cpu_s(self.gunicorn_pid),
            "postgres": _tree_cpu_s(self.postmaster_pid) if self.postmaster_pid else 0.0,
            "mail": _tree_cpu_s(self.worker_pid) if self.worker_pid else 0.0,
            "redis": _tree_cpu_s(self.cache_pid) if self.cache_pid else 0.0,
            "load": children.ru_utime + children.ru_stime,
            "machine": _machine_busy_s(),
        }

    def __enter__(self) -> "CpuWindow":
        self.marks = self._read()
        self.started = time.monotonic()
        return self

    def stop(self) -> None:
        """Close the window (the rush is over) before the block ends."""
        if not self.stopped:
            after = self._read()
            self.marks = {k: after[k] - self.marks[k] for k in after}
            self.marks["wall"] = time.monotonic() - self.started
            self.stopped = True

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def line(self, answers: int, per_what: str = "application") -> str:
        per = {k: 1000 * self.marks[k] / max(answers, 1) for k in self.marks}
        ours = sum(self.marks[k] for k in ("gunicorn", "postgres", "mail", "redis", "load"))
        others = max(0.0, self.marks["machine"] - ours) / max(self.marks["wall"], 1e-9)
        mail = f"mail worker={per['mail']:.1f} " if self.worker_pid else ""
        redis = f"redis={per['redis']:.1f} " if self.cache_pid else ""
        return (
            f"  cpu ms per {per_what}: gunicorn={per['gunicorn']:.1f} "
            f"postgres={per['postgres']:.1f} {redis}{mail}"
            f"load generator={per['load']:.1f}; "
            f"other processes used {others:.2f} of {os.cpu_count()} cores meanwhile"
        )


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Audit:
    groups: int = 0
    full_groups: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overbooked: int = 0
    seat_mismatch: list[int] = field(default_factory=list)
    waiting_with_free_seat: list[int] = field(default_factory=list)
    out_of_order: list[int] = field(default_factory=list)
    families_without_one_application: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.overbooked
            or self.seat_mismatch
            or self.waiting_with_free_seat
            or self.out_of_order
            or self.families_without_one_application
        )


def audit(
    child_ids: Iterable[int], *, exactly_once: bool = True, group_ids: Iterable[int] | None = None
) -> Audit:
    """Seats and waiting lines as the database has them after the rush; each of the children
    has exactly one application (`exactly_once`, the rush), or at most one (a browsing mix in
    which not every family applies). `group_ids` limits the audit to the groups applied to
    (a catalogue seeded in bulk has groups taken by nobody the bench knows)."""
    from kruzhok.catalog.models import Group
    from kruzhok.enrollment.models import Application

    result = Audit()
    rows: dict[int, list[tuple[Any, int, str]]] = {}
    for pk, group_id, status, created_at in Application.objects.values_list(
        "pk", "group_id", "status", "created_at"
    ):
        rows.setdefault(group_id, []).append((created_at, pk, status))
        result.by_status[status] = result.by_status.get(status, 0) + 1
    groups = Group.objects.only("pk", "capacity", "seats_taken")
    if group_ids is not None:
        groups = groups.filter(pk__in=list(group_ids))
    for group in groups:
        result.groups += 1
        applications = sorted(rows.get(group.pk, []))
        holding = [a for a in applications if a[2] in SEAT_STATUSES]
        waiting = [a for a in applications if a[2] == "waitlisted"]
        result.overbooked += max(0, max(len(holding), group.seats_taken) - group.capacity)
        result.full_groups += group.seats_taken >= group.capacity
        if len(holding) != group.seats_taken:
            result.seat_mismatch.append(group.pk)
        if waiting and group.seats_taken < group.capacity:
            result.waiting_with_free_seat.append(group.pk)
        accepted_last = max((a[:2] for a in holding), default=None)
        in_line = [a[1] for a in waiting]
        if (accepted_last is not None and waiting and waiting[0][:2] < accepted_last) or (
            in_line != sorted(in_line)
        ):
            result.out_of_order.append(group.pk)
    per_child: dict[int, int] = {}
    for child_id in Application.objects.values_list("child_id", flat=True):
        per_child[child_id] = per_child.get(child_id, 0) + 1
    result.families_without_one_application = sum(
        (per_child.get(child_id, 0) != 1) if exactly_once else (per_child.get(child_id, 0) > 1)
        for child_id in child_ids
    )
    return result


def ledger_check() -> tuple[int, str]:
    done = subprocess.run(
        [str(BIN / "kruzhok"), "ledger", "check"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def pgbench_tps(seconds: int) -> float:
    """TPC-B-like read-write TPS of this machine's PostgreSQL: pgbench's built-in script at
    scale 10, 8 clients, 2 threads, in a database of its own next to the portal's."""
    pg_bin = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
    pgbench = pg_bin / "pgbench" if (pg_bin / "pgbench").exists() else shutil.which("pgbench")
    if pgbench is None or seconds <= 0:
        return 0.0
    database = "kruzhok_pgbench"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        cursor.execute(f"CREATE DATABASE {database}")

    def run(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(pgbench), *options, database],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )

    initialised = run("-i", "-q", "-s", "10")
    if initialised.returncode != 0:
        raise RuntimeError(f"pgbench -i failed: {initialised.stderr[-2000:]}")
    done = run("-c", "8", "-j", "2", "-T", str(seconds))
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"pgbench failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return float(found.group(1))


# A round's kind: the rush (POSTs alone), the rush followed as a browser does (each POST and
# the page it redirects to), the ceiling (the page that only reads the session).
