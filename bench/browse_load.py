"""The load generator of `bench/browse.py`: locust as a library, in a process of its own (locust
patches the standard library with gevent on import), as `bench/rush_load.py`.

    python bench/browse_load.py PLAN.json RESULT.json

PLAN.json: {"host": "http://127.0.0.1:PORT", "csrf": "<32 chars>", "users": 64,
"mode": "ceiling" | "catalog" | "program" | "mix", "seconds": 10, "open_at": <unix time>,
"catalog_queries": ["?q=...", ...], "program_ids": [...],
"families": [[session_key, group_id, child_id, program_id], ...]}.
Every user runs for `seconds` with no think time; each request carries one parent's session
(or none, for an anonymous visitor) and the CSRF cookie, nothing the server set before.

- "ceiling": GET /healthz/session with the parents' sessions in turn (the framework's floor);
- "catalog": GET /catalog/ with one of the prepared filter and search query strings (Zipf-
  skewed, s = 1.1, in the order given: a few common, a long tail), half the requests anonymous
  and half logged in;
- "program": GET a program's page, half anonymous and half logged in; half the requests go to
  the programs the families chose (the popular ones), half to any program of the catalogue;
- "mix": parents as they behave around an opening (weights per request, see MIX below): the
  catalogue and program pages, anonymous and logged in, the apply page, the applications page,
  and — once enrolment has opened at `open_at` — the POST of an application followed by the
  page it redirects to (each family applies once); before the opening, parents refresh the
  apply page instead. About ten page views per application.

RESULT.json: {"started", "finished", "pages": {name: {"statuses": {code: n}, "latencies_ms":
[...]}}, "unexpected": [...], "anonymous": n, "applied": n}.
"""

import json
import random
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser

import gevent  # isort: skip  (after locust, which patches the standard library first)

# The mix, in requests out of 100: what parents do in the minutes around an opening. Before the
# opening the POST's share goes to the apply page; after it a POST brings its redirect page
# along, so over a mix opening halfway there are about 11 page views per application.
MIX = {
    "catalog_anonymous": 18,
    "catalog_parent": 14,
    "program_anonymous": 10,
    "program_parent": 18,
    "apply_page": 12,
    "applications": 8,
    "apply_post": 20,
}


class Plan:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.mode: str = plan["mode"]
        self.csrf: str = plan["csrf"]
        self.open_at: float = float(plan.get("open_at", 0))
        self.queries: list[str] = plan["catalog_queries"]
        # Parents' searches are skewed as their groups are: a few very common, a long tail.
        self.query_weights = [1.0 / k**1.1 for k in range(1, len(self.queries) + 1)]
        self.program_ids: list[int] = plan["program_ids"]
        self.families: list[list[Any]] = plan["families"]
        self.to_apply: deque[list[Any]] = deque(plan["families"])
        self.stop_at = time.monotonic() + float(plan["seconds"])
        self.rng = random.Random(2026)
        self.next_family = 0
        self.statuses: dict[str, Counter[int]] = {}
        self.latencies: dict[str, list[float]] = {}
        self.unexpected: list[str] = []
        self.anonymous = 0
        self.applied = 0
        self.first_sent: float | None = None
        self.last_answered = 0.0

    def family(self) -> list[Any]:
        family = self.families[self.next_family % len(self.families)]
        self.next_family += 1
        return family

    def record(self, name: str, status: int, elapsed_ms: float, note: str = "") -> None:
        self.statuses.setdefault(name, Counter())[status] += 1
        self.latencies.setdefault(name, []).append(elapsed_ms)
        self.last_answered = time.perf_counter()
        if status not in (200, 302) and len(self.unexpected) < 8:
            self.unexpected.append(f"{name}: HTTP {status} {note[:300]}")


PLAN: Plan


class Visitor(FastHttpUser):
    """A browser tab: one visitor or parent after another, no think time."""

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0
    max_retries = 0

    def _get(self, name: str, path: str, session_key: str | None, extra: str = "") -> Any:
        self.client.cookiejar.clear()
        cookie = f"csrftoken={PLAN.csrf}" + (f"; sessionid={session_key}" if session_key else "")
        started = time.perf_counter()
        if PLAN.first_sent is None:
            PLAN.first_sent = started
        with self.client.get(
            path,
            headers={"Cookie": cookie + extra},
            allow_redirects=False,
            catch_response=True,
            name=name,
        ) as response:
            status = response.status_code or 0
            if status == 200:
                response.success()
            else:
                response.failure(f"HTTP {status}")
        PLAN.record(name, status, (time.perf_counter() - started) * 1000, path)
        return response

    def _catalog(self, session_key: str | None) -> None:
        name = "catalog_parent" if session_key else "catalog_anonymous"
        query = PLAN.rng.choices(PLAN.queries, weights=PLAN.query_weights)[0]
        self._get(name, "/catalog/" + query, session_key)

    def _program(self, session_key: str | None, program_id: int) -> None:
        name = "program_parent" if session_key else "program_anonymous"
        self._get(name, f"/catalog/programs/{program_id}/", session_key)

    def _any_program(self, family: list[Any]) -> int:
        if PLAN.rng.random() < 0.5:
            return int(family[3])
        return PLAN.rng.choice(PLAN.program_ids)

    def _apply(self) -> None:
        try:
            session_key, group_id, child_id, _ = PLAN.to_apply.popleft()
        except IndexError:
            self._get("apply_page", f"/enrollment/apply/{PLAN.family()[1]}/", PLAN.family()[0])
            return
        self.client.cookiejar.clear()
        cookie = f"sessionid={session_key}; csrftoken={PLAN.csrf}"
        started = time.perf_counter()
        with self.client.post(
            f"/enrollment/apply/{group_id}/",
            data={"csrfmiddlewaretoken": PLAN.csrf, "child": str(child_id)},
            headers={"Cookie": cookie},
            allow_redirects=False,
            catch_response=True,
            name="apply_post",
        ) as response:
            status = response.status_code or 0
            if status in (302, 400, 409):
                response.success()
            else:
                response.failure(f"HTTP {status}")
        PLAN.record("apply_post", status, (time.perf_counter() - started) * 1000)
        if status != 302:
            return
        PLAN.applied += 1
        flash = response.headers.get("Set-Cookie", "").split(";", 1)[0]
        self._get(
            "application_page",
            response.headers.get("Location", ""),
            session_key,
            extra=f"; {flash}" if flash else "",
        )

    @task
    def one(self) -> None:
        if time.monotonic() >= PLAN.stop_at:
            raise StopUser()
        family = PLAN.family()
        session_key = family[0]
        if PLAN.mode == "ceiling":
            response = self._get("ceiling", "/healthz/session", session_key)
            if response.status_code == 200 and '"authenticated": true' not in (response.text or ""):
                PLAN.anonymous += 1
            return
        if PLAN.mode == "catalog":
            self._catalog(session_key if PLAN.rng.random() < 0.5 else None)
            return
        if PLAN.mode == "program":
            parent = PLAN.rng.random() < 0.5
            self._program(session_key if parent else None, self._any_program(family))
            return
        kind = PLAN.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind == "catalog_anonymous":
            self._catalog(None)
        elif kind == "catalog_parent":
            self._catalog(session_key)
        elif kind == "program_anonymous":
            self._program(None, self._any_program(family))
        elif kind == "program_parent":
            self._program(session_key, self._any_program(family))
        elif kind == "applications":
            self._get("applications", "/enrollment/applications/", session_key)
        elif kind == "apply_post" and time.time() >= PLAN.open_at:
            self._apply()
        else:  # the apply page, also refreshed instead of applying before the opening
            self._get("apply_page", f"/enrollment/apply/{family[1]}/", session_key)


def main() -> None:
    global PLAN
    plan_path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    plan = json.loads(plan_path.read_text())
    host: str = plan["host"]
    if not host.startswith("http://127.0.0.1:"):
        raise SystemExit(f"browse_load: refusing to send traffic anywhere but 127.0.0.1 ({host})")
    PLAN = Plan(plan)
    if PLAN.mode not in ("ceiling", "catalog", "program", "mix"):
        raise SystemExit(f"browse_load: unknown mode {PLAN.mode!r}")
    users = int(plan["users"])
    environment = Environment(user_classes=[Visitor], host=host)
    runner = environment.create_local_runner()
    runner.start(user_count=users, spawn_rate=users)
    while time.monotonic() < PLAN.stop_at + 0.5:
        gevent.sleep(0.05)
    runner.quit()
    result = {
        "started": PLAN.first_sent or 0.0,
        "finished": PLAN.last_answered,
        "pages": {
            name: {"statuses": dict(PLAN.statuses[name]), "latencies_ms": PLAN.latencies[name]}
            for name in PLAN.statuses
        },
        "unexpected": PLAN.unexpected,
        "anonymous": PLAN.anonymous,
        "applied": PLAN.applied,
    }
    result_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
