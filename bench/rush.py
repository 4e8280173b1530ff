"""The rush, measured: enrolment opens and thousands of parents apply at the same moment.

    make bench-rush                                   # a throwaway PostgreSQL, as `make test`
    scripts/with-postgres.sh .venv/bin/python bench/rush.py [--users 64] [--workers 5] ...

What it does, all on this machine (traffic goes to 127.0.0.1 only):
  1. migrates the empty database it is given (it refuses a database that has users in it) and
     seeds a municipality with its financing program and 300 groups of 15 seats (auto-accept
     on, enrolment open) through the catalog's services, then 5,000 families (a parent and a
     child whose age fits the chosen group) in bulk, each parent already logged in: a Django
     session row like the one a log-in writes, so no log-in happens during the rush;
  2. serves the portal with gunicorn in production mode (KRUZHOK_ENV=production, DEBUG off, a
     random secret key, ALLOWED_HOSTS=127.0.0.1, persistent connections: CONN_MAX_AGE=60 from
     settings) and warms every worker up with a few GET requests of the apply page;
  3. lets every parent apply once, at once: `bench/rush_load.py` (locust as a library,
     FastHttpUser, 64 concurrent users by default, no think time) POSTs
     /enrollment/apply/<group>/ with the parent's session cookie and a CSRF cookie whose
     32-character secret is also the form field (Django accepts the unmasked secret). The
     groups' popularity is Zipf-skewed (s = 1.1 over a random ranking), so a few groups get
     hundreds of applicants and most of those go to the waiting line. 302 is success
     (accepted or waitlisted), 400/409 a refusal (its message is reported), 5xx an error;
  4. audits the database after the rush: no group over capacity (seats_taken <= capacity
     and the applications holding a seat — accepted, contracted, active — number exactly
     seats_taken), nobody waits while a seat is free, each group's waiting line is in arrival
     order (every waitlisted application came after every accepted one, and by created_at the
     line is in primary-key order; ties in created_at broken by pk), every family has exactly
     one application;
  5. undoes the rush (applications, their audit rows and notifications deleted, seats freed)
     and runs it again: `--rounds` rushes (3 by default), whose medians are the figures;
  6. follows the rush as a browser does: `--follow-rounds` more rushes (as many as `--rounds`
     by default), each undone before the next and audited after it as above, in which each
     parent also loads the page the POST redirects to (the application with its offer or its
     place in the waiting line, with the flash message); the POST and its page are timed as
     one answer;
  7. measures the ceiling: `--ceiling-rounds` rounds (as many as `--rounds` by default) of
     `--ceiling-seconds` (5) in which the same 64 users, with the same parents' sessions in
     turn, GET /healthz/session, a page of the portal that only reads the session and the user
     behind it (as every page does first) through the whole middleware stack and the same
     gunicorn: what the framework allows on this machine, beside which the rush shows the
     application's own cost. Then runs `kruzhok ledger check`, which must exit 0;
  8. measures the machine: `pgbench -i -s 10`, then the built-in TPC-B-like read-write run
     `pgbench -c 8 -j 2 -T 15` against the same PostgreSQL, so the figures compare across
     machines (the run prints apps_per_s / pgbench_tps).

The server: 5 sync workers. Measured on this 2-core machine (5,000 families, 64 users, idle
machine, medians of 3 rounds): 4 sync 205/s, 5 sync 208-210/s p99 398-403 ms, 6 sync 219/s
p99 406 ms — within the noise of each other; pgbench_tps 5,500-6,500. Per application:
gunicorn 5.3-5.7 ms of CPU, PostgreSQL 3.0-3.2 ms, the load generator 1.0 ms, the mail worker
0.2 ms, so apps/s ~ 2 cores / ~10 ms. Locking the child's row for the per-child programme
limit (two more statements) then gave 177/s p99 486 ms with pgbench_tps 4,989 (the machine's
speed varies by a quarter from hour to hour: compare apps_per_s / pgbench_tps, 0.032-0.036).
Before the submission's statements were written by hand the same run gave 63-72/s (gunicorn
20.6 ms per application, 28 statements against 11 now). Followed as a browser does (then a
`--follow` option, one rush) it gave 54 answers/s p99 1,449 ms at first, 76/s p99 999 ms once
that page's application and clashes were read by hand, 86/s p99 924 ms with the offer's
funding outlook too (gunicorn 14.0 ms, PostgreSQL 7.0 ms per POST and page; pgbench_tps
5,514): the page still costs about as much as the submission, a third of it the template.
The first run of all three kinds (`--rounds 1`, a machine shared with other test suites,
pgbench_tps 4,512, so low figures) gave 125 applications/s p99 807 ms, 68 followed answers/s
p99 1,404 ms and a ceiling of 680 session reads/s: per answer, gunicorn used 1.9 ms of CPU for
the session read, 5.4 ms for an application, 13.2 ms for an application and its page.
Issue 9 then put the session, the user of each request, that page's reads and the
submission's INSERTs back to stock Django and the ORM (the submission's reading, locks and
seat counter stay by hand: bench/rawsql_cost.py). Measured before the runs were combined,
back to back with the tree before it on one machine that others were using (the `--follow`
option, one rush each): gunicorn 6.2-7.1 ms per application (9.7 in one run) against
5.1-5.8, and 21.4-21.9 ms per application and its page against 11.5-13.5 (42-44 answers/s
against 58-69/s).
Throughput is bound by CPU, not by the server's shape: the run prints CPU milliseconds per
application (gunicorn, PostgreSQL, the mail worker, the load generator) and how much of the
machine other processes took meanwhile. `--workers`, `--worker-class` and `--threads` try
other shapes. E-mails are sent as in production by the worker
`kruzhok notifications_send --loop`, run beside gunicorn at a lower priority (nice 10), into
Django's dummy backend (an SMTP server would measure itself, not the portal); its CPU is
counted, and the run reports when the last letter went out.

The whole run is bounded: a hard cap of 10 minutes, and gunicorn is stopped whatever happens.
The load stops earlier, at its own deadline: each rush or follow round gets a share of the
time left (after what the ceiling rounds, pgbench and every round's set-up need), weighed by
its expected length (a followed answer 2.5 applications), and may run half as long again at
the expense of the rounds after it; a round that ends early leaves its time to the next, and
`--load-deadline` (420 s) caps a round. Each round prints its requests, statuses, latencies
and CPU per answer; a summary prints the medians of each kind. The last line is
`rush: apps_per_s=<n> p50_ms=<n> p99_ms=<n> accepted=<n> waitlisted=<n> overbooked=<n>
errors_5xx=<n> pgbench_tps=<n> follow_answers_per_s=<n> follow_p99_ms=<n> ceiling_rps=<n>`:
the rush's figures (medians of its rounds; accepted and waitlisted as the last rush left
them), the follow rounds' answers per second and p99 (medians) and the ceiling's requests per
second (median); overbooked is the worst of the rush and follow rounds, errors_5xx the sum
over every round; a kind skipped with 0 rounds shows 0. The exit status is 1 when an
invariant is broken in any round (an overbooked group, a 5xx, a transport error, an audit
failure, a ceiling answer that did not know the parent, a failed ledger check) or when a rush
or follow round did not finish before its deadline. `--rounds 1` is a quick check that
everything works (one round of each kind, about 3 minutes).
"""

import argparse
import json
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
HARD_CAP_S = 600
sys.path.insert(0, str(BENCH))
from harness import production_environment  # noqa: E402

production_environment("rush", "make bench-rush")

import django  # noqa: E402

django.setup()

import random  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
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
    static_collect,
)
from rush_seed import Family, families_seed, groups_seed  # noqa: E402

from kruzhok.accounts.models import User  # noqa: E402
from kruzhok.catalog.models import Group  # noqa: E402
from kruzhok.common.models import AuditEvent  # noqa: E402
from kruzhok.enrollment.models import Application  # noqa: E402
from kruzhok.notifications.models import Notification  # noqa: E402


class HardCapReached(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise HardCapReached(f"rush: the hard cap of {HARD_CAP_S} s was reached")


def _warm_up(url: str, families: list[Family], workers: int, threads: int) -> None:
    """GET the apply page a few times per worker thread: URLconf, templates and connections
    are ready before the rush, as on a portal that has been serving all morning."""
    sample = families[: max(8, 6 * workers * threads)]

    def one(family: Family) -> int:
        return http_get(
            f"{url}/enrollment/apply/{family.group_id}/", cookie=f"sessionid={family.session_key}"
        )

    with ThreadPoolExecutor(max_workers=min(16, 2 * workers * threads)) as pool:
        statuses = list(pool.map(one, sample))
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"warm-up: the apply page answered {sorted(set(statuses))}")
    # The ceiling's page must know the parents, or the ceiling rounds would measure anonymity.
    request = urllib.request.Request(
        f"{url}/healthz/session", headers={"Cookie": f"sessionid={families[0].session_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    if answer.get("authenticated") is not True:
        raise RuntimeError(f"warm-up: /healthz/session did not know the parent: {answer}")


RUSH, FOLLOW, CEILING = "rush", "follow", "ceiling"
LOAD_MODE = {RUSH: "apply", FOLLOW: "follow", CEILING: "ceiling"}
# What a successful answer is, and what its CPU is counted per.
SUCCESS = {RUSH: 302, FOLLOW: 302, CEILING: 200}
PER_WHAT = {RUSH: "application", FOLLOW: "application and its page", CEILING: "request"}
# Expected length of a round beside a rush round's, to share the time left between rounds:
# a followed answer costs about 2.4 applications (86/s beside 208/s on the development
# machine).
WEIGHT = {RUSH: 1.0, FOLLOW: 2.5}
# A round may run half as long again as its share (the weights are a guess, and a shared
# machine slows one round more than another); what it takes beyond its share comes out of the
# rounds after it, and the last one has what is left.
SHARE_SLACK = 1.5
# Time to keep, beyond the load itself: each rush or follow round's start, mail drain, audit
# and undo; each ceiling round's start; the ledger check and pgbench's set-up after the rounds.
ROUND_OVERHEAD_S = 10
CEILING_OVERHEAD_S = 4
FINAL_RESERVE_S = 60


@dataclass
class Round:
    """One round's figures, and whether it broke an invariant or missed its deadline."""

    kind: str
    per_s: float  # successful answers a second: applications, followed answers or pages
    p50: float
    p99: float
    accepted: int
    waitlisted: int
    overbooked: int
    errors_5xx: int
    broken: bool


def _answers_report(kind: str, result: dict[str, Any], cpu: CpuWindow) -> Round:
    """Print what came back in a round of any kind; the audit is the caller's."""
    latencies = sorted(result["latencies_ms"])
    statuses = {int(code): n for code, n in result["statuses"].items()}
    elapsed = max(result["finished"] - result["started"], 1e-9)
    per_s = statuses.get(SUCCESS[kind], 0) / elapsed
    p50, p90, p99 = (percentile(latencies, p) for p in (50, 90, 99))
    errors_5xx = sum(n for code, n in statuses.items() if code >= 500)
    expected = (SUCCESS[kind],) if kind == CEILING else (302, 400, 409)
    other = sum(n for code, n in statuses.items() if code not in expected and code < 500)
    print(
        f"    {len(latencies)} {'requests' if kind != FOLLOW else 'answers'} in {elapsed:.1f} s "
        f"({per_s:.0f}/s); statuses "
        + " ".join(f"{code}={n}" for code, n in sorted(statuses.items())),
        flush=True,
    )
    print(
        f"    latency ms: p50={p50:.0f} p90={p90:.0f} p99={p99:.0f} max={latencies[-1]:.0f}"
        if latencies
        else "    latency: no requests answered"
    )
    print("  " + cpu.line(len(latencies), PER_WHAT[kind]))
    for line in result["unexpected"]:
        print(f"    unexpected: {line}")
    if result.get("anonymous"):
        print(f"    {result['anonymous']} answers did not know the parent: sessions lost")
    return Round(
        kind=kind,
        per_s=per_s,
        p50=p50,
        p99=p99,
        accepted=0,
        waitlisted=0,
        overbooked=0,
        errors_5xx=errors_5xx,
        # A transport error (status 0) counts among the others.
        broken=bool(errors_5xx or other or result.get("anonymous") or result["timed_out"]),
    )


def ceiling_report(result: dict[str, Any], cpu: CpuWindow) -> Round:
    """Print a ceiling round's figures; it writes nothing, so there is nothing to audit."""
    return _answers_report(CEILING, result, cpu)


def round_report(
    kind: str, result: dict[str, Any], cpu: CpuWindow, drain_s: float, families: list[Family]
) -> Round:
    """Print a rush or follow round's figures and audit the database it left."""
    figures = _answers_report(kind, result, cpu)
    letters = Notification.objects.exclude(emailed_at=None).count()
    print(
        f"    mail: {letters} letters sent by the worker, the last {drain_s:.1f} s after the rush"
    )
    for message, n in sorted(result["refusals"].items(), key=lambda item: -item[1]):
        print(f"    refused {n}x: {message}")
    if result["timed_out"]:
        print(f"    the rush hit its deadline: {result['not_sent']} families never applied")
    checked = audit([family.child_id for family in families])
    print(
        f"    audit: groups={checked.groups} full={checked.full_groups} "
        + " ".join(f"{status}={n}" for status, n in sorted(checked.by_status.items()))
        + f" overbooked={checked.overbooked} seat_mismatch={len(checked.seat_mismatch)} "
        f"waiting_with_free_seat={len(checked.waiting_with_free_seat)} "
        f"out_of_order={len(checked.out_of_order)} "
        f"families_without_one_application={checked.families_without_one_application} "
        + ("OK" if checked.ok else "FAILED"),
        flush=True,
    )
    connection.close()
    figures.accepted = checked.by_status.get("accepted", 0)
    figures.waitlisted = checked.by_status.get("waitlisted", 0)
    figures.overbooked = checked.overbooked
    figures.broken = figures.broken or not checked.ok
    return figures


def rush_undo() -> None:
    """Put the database back as it was before the rush: no applications, their audit rows and
    notifications gone, every seat free. Sessions and everything seeded stay."""
    Notification.objects.all().delete()
    AuditEvent.objects.filter(object_type="enrollment.application").delete()
    Application.objects.all().delete()
    Group.objects.update(seats_taken=0)
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--capacity", type=int, default=15)
    parser.add_argument("--users", type=int, default=64, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument(
        "--load-deadline", type=int, default=420, help="most seconds for one rush or follow round"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=15, help="0 skips pgbench")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rushes in a row (and, unless told otherwise, follow and ceiling rounds); "
        "the figures are their medians",
    )
    parser.add_argument(
        "--follow-rounds",
        type=int,
        default=None,
        help="rushes in which each POST is followed by the page it redirects to, as a browser "
        "does (default: --rounds; 0 skips them)",
    )
    parser.add_argument(
        "--ceiling-rounds",
        type=int,
        default=None,
        help="rounds of GET /healthz/session, the page that only reads the session "
        "(default: --rounds; 0 skips them)",
    )
    parser.add_argument(
        "--ceiling-seconds", type=int, default=5, help="the length of a ceiling round"
    )
    args = parser.parse_args()
    follow_rounds = args.rounds if args.follow_rounds is None else args.follow_rounds
    ceiling_rounds = args.rounds if args.ceiling_rounds is None else args.ceiling_rounds
    if args.rounds < 1 or follow_rounds < 0 or ceiling_rounds < 0:
        parser.error("--rounds must be at least 1, --follow-rounds and --ceiling-rounds 0 or more")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(HARD_CAP_S)
    began = time.monotonic()
    threads = args.threads if args.worker_class == "gthread" else 1
    print(
        f"rush bench: families={args.families} groups={args.groups}x{args.capacity} "
        f"users={args.users} gunicorn={args.workers} {args.worker_class} workers"
        + (f" x {threads} threads" if args.worker_class == "gthread" else "")
        + f"; rounds: {args.rounds} rush, {follow_rounds} follow, "
        f"{ceiling_rounds} ceiling of {args.ceiling_seconds} s",
        flush=True,
    )

    call_command("migrate", verbosity=0)
    static_collect()
    if User.objects.exists():
        raise SystemExit("rush: the database already has users; give it an empty one")
    rng = random.Random(args.seed)
    started = time.monotonic()
    groups = groups_seed(groups=args.groups, capacity=args.capacity, rng=rng)
    groups_s = time.monotonic() - started
    families = families_seed(families=args.families, groups=groups, rng=rng)
    rng.shuffle(families)
    print(
        f"  seeded: {len(groups)} groups through the catalog's services in {groups_s:.1f} s, "
        f"{len(families)} families with sessions in {time.monotonic() - started - groups_s:.1f} s",
        flush=True,
    )
    postmaster = postmaster_pid()
    connection.close()

    csrf = secrets.token_hex(16)  # 32 characters of Django's CSRF alphabet
    work = Path(tempfile.mkdtemp(prefix="kruzhok-rush-"))
    plan_path, result_path = work / "plan.json", work / "result.json"
    # The rush rounds first (the figures the targets are about), then the follow rounds, each
    # on the database the previous one left undone; the ceiling rounds last: they write nothing.
    schedule = [RUSH] * args.rounds + [FOLLOW] * follow_rounds
    ceiling_s = ceiling_rounds * (args.ceiling_seconds + CEILING_OVERHEAD_S)
    final_s = FINAL_RESERVE_S + args.pgbench_seconds
    rounds: list[Round] = []
    try:
        with gunicorn(
            port=free_port(),
            workers=args.workers,
            worker_class=args.worker_class,
            threads=threads,
            log=work / "gunicorn.log",
        ) as (url, gunicorn_pid):
            _warm_up(url, families, args.workers, threads)
            plan: dict[str, Any] = {
                "host": url,
                "csrf": csrf,
                "users": args.users,
                "families": [[f.session_key, f.group_id, f.child_id] for f in families],
            }

            def load(mode: str, deadline_s: float) -> dict[str, Any]:
                plan_path.write_text(json.dumps(plan | {"mode": mode, "deadline_s": deadline_s}))
                subprocess.run(
                    [sys.executable, str(BENCH / "rush_load.py"), str(plan_path), str(result_path)],
                    check=True,
                    timeout=deadline_s + 60,
                )
                result: dict[str, Any] = json.loads(result_path.read_text())
                return result

            for index, kind in enumerate(schedule):
                if index > 0:
                    rush_undo()
                # The time left, shared among the rounds still to come by their expected
                # lengths: a round that finishes early leaves its time to the next ones.
                to_come = schedule[index:]
                left_s = (
                    HARD_CAP_S
                    - (time.monotonic() - began)
                    - ROUND_OVERHEAD_S * len(to_come)
                    - ceiling_s
                    - final_s
                )
                share_s = left_s * WEIGHT[kind] / sum(WEIGHT[k] for k in to_come)
                deadline_s = max(1.0, min(args.load_deadline, left_s, SHARE_SLACK * share_s))
                number = to_come.count(kind)
                total = args.rounds if kind == RUSH else follow_rounds
                print(
                    f"  {kind} round {total - number + 1} of {total}"
                    + (" (each POST and the page it redirects to)" if kind == FOLLOW else "")
                    + f", deadline {deadline_s:.0f} s:",
                    flush=True,
                )
                with (
                    mail_worker() as worker_pid,
                    CpuWindow(
                        gunicorn_pid=gunicorn_pid, postmaster_pid=postmaster, worker_pid=worker_pid
                    ) as cpu,
                ):
                    result = load(LOAD_MODE[kind], deadline_s)
                    cpu.stop()
                    drain_s = mail_drain()
                rounds.append(round_report(kind, result, cpu, drain_s, families))
            for number in range(1, ceiling_rounds + 1):
                print(
                    f"  ceiling round {number} of {ceiling_rounds} "
                    f"(GET /healthz/session for {args.ceiling_seconds} s):",
                    flush=True,
                )
                with CpuWindow(
                    gunicorn_pid=gunicorn_pid, postmaster_pid=postmaster, worker_pid=None
                ) as cpu:
                    result = load(LOAD_MODE[CEILING], args.ceiling_seconds)
                rounds.append(ceiling_report(result, cpu))
        server_log = (work / "gunicorn.log").read_text()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if "Traceback" in server_log or "WORKER TIMEOUT" in server_log:
        print("  gunicorn's log has errors:\n" + server_log[-3000:])

    ledger_rc, ledger_out = ledger_check()
    print(f"  ledger check: exit {ledger_rc}" + ("" if ledger_rc == 0 else f"\n{ledger_out}"))
    tps = pgbench_tps(args.pgbench_seconds)
    print(f"  pgbench -s 10 -c 8 -j 2 -T {args.pgbench_seconds}: tps={tps:.0f}")

    def medians(kind: str) -> tuple[float, float, float]:
        """Answers a second, p50 and p99 of a kind's rounds (zeros when there were none)."""
        of_kind = [r for r in rounds if r.kind == kind]
        if not of_kind:
            return 0.0, 0.0, 0.0
        return (
            statistics.median(r.per_s for r in of_kind),
            statistics.median(r.p50 for r in of_kind),
            statistics.median(r.p99 for r in of_kind),
        )

    apps_per_s, p50, p99 = medians(RUSH)
    follow_per_s, follow_p50, follow_p99 = medians(FOLLOW)
    ceiling_rps, ceiling_p50, ceiling_p99 = medians(CEILING)
    last = [r for r in rounds if r.kind == RUSH][-1]
    print(
        f"  medians of {args.rounds} rush rounds: apps_per_s={apps_per_s:.0f} p50_ms={p50:.0f} "
        f"p99_ms={p99:.0f}"
        + (f" (apps_per_s / pgbench_tps = {apps_per_s / tps:.4f})" if tps else "")
    )
    if follow_rounds:
        print(
            f"  medians of {follow_rounds} follow rounds: answers_per_s={follow_per_s:.0f} "
            f"p50_ms={follow_p50:.0f} p99_ms={follow_p99:.0f}"
        )
    if ceiling_rounds:
        print(
            f"  medians of {ceiling_rounds} ceiling rounds: rps={ceiling_rps:.0f} "
            f"p50_ms={ceiling_p50:.0f} p99_ms={ceiling_p99:.0f}; an application costs "
            f"{ceiling_rps / max(apps_per_s, 1e-9):.1f} session reads"
            + (
                f", an application with its page {ceiling_rps / max(follow_per_s, 1e-9):.1f}"
                if follow_rounds
                else ""
            )
        )
    print(
        f"  targets: apps_per_s>=150 {'met' if apps_per_s >= 150 else 'MISSED'}, "
        f"p99_ms<=1000 {'met' if p99 <= 1000 else 'MISSED'}; "
        f"total {time.monotonic() - began:.0f} s"
    )
    print(
        f"rush: apps_per_s={apps_per_s:.0f} p50_ms={p50:.0f} p99_ms={p99:.0f} "
        f"accepted={last.accepted} waitlisted={last.waitlisted} "
        f"overbooked={max(r.overbooked for r in rounds)} "
        f"errors_5xx={sum(r.errors_5xx for r in rounds)} pgbench_tps={tps:.0f} "
        f"follow_answers_per_s={follow_per_s:.0f} follow_p99_ms={follow_p99:.0f} "
        f"ceiling_rps={ceiling_rps:.0f}",
        flush=True,
    )
    broken = any(r.broken for r in rounds) or ledger_rc != 0
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
