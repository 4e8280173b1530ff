"""The load generator of `bench/rush.py`: locust used as a library, in a process of its own
(locust monkey-patches the standard library with gevent on import, which the orchestrator's
Django and subprocess handling must not see).

    python bench/rush_load.py PLAN.json RESULT.json

PLAN.json: {"host": "http://127.0.0.1:PORT", "csrf": "<32 chars>", "users": 64,
"mode": "apply" | "follow" | "ceiling", "deadline_s": 300,
"families": [[session_key, group_id, child_id], ...]} in arrival order. `users` FastHttpUsers
(all spawned at once, no think time) send every request with one parent's session cookie and
the CSRF cookie; nothing the server set for the previous parent goes back.

- "apply": every family applies exactly once: the users take the next family from one shared
  line and POST /enrollment/apply/<group_id>/ with the same unmasked 32-character CSRF secret
  as the form field. Redirects are not followed: the POST alone is timed. The run ends when
  every family has been answered or at the deadline, whichever comes first.
- "follow": the same, and the page the POST redirects to (the application with its offer or
  its place in the waiting line) is fetched too, with the flash-message cookie, as a browser
  does; the pair is timed as one answer.
- "ceiling": for deadline_s seconds the users GET /healthz/session (a page that only reads the
  session and the user behind it) with the families' sessions in turn, round and round; an
  answer that does not say the parent is logged in counts in "anonymous".

RESULT.json: {"started": t0, "finished": t1, "latencies_ms": [...], "statuses": {code: n},
"refusals": {message: n}, "unexpected": [first few unexpected answers], "anonymous": n,
"not_sent": n, "timed_out": bool}.
"""

import json
import re
import sys
import time
from collections import Counter, deque
from html import unescape
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser

import gevent  # isort: skip  (after locust, which patches the standard library first)

ALERT = re.compile(r'role="alert">(.*?)</div>', re.S)
TAG = re.compile(r"<[^>]+>")


class Rush:
    """What the users share: the line of families and what came back."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.csrf: str = plan["csrf"]
        self.mode: str = plan["mode"]
        self.follow = self.mode == "follow"
        self.line: deque[list[Any]] = deque(plan["families"])
        self.total = len(self.line)
        self.sessions: list[str] = [family[0] for family in plan["families"]]
        self.next_session = 0
        self.stop_at = float("inf")
        self.done = 0
        self.anonymous = 0
        self.latencies_ms: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.refusals: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.first_sent: float | None = None
        self.last_answered = 0.0


RUSH: Rush


def _refusal_message(body: str) -> str:
    found = ALERT.search(body)
    if not found:
        return "(ответ без сообщения об ошибке)"
    return " ".join(unescape(TAG.sub("", found.group(1))).split())


class Parent(FastHttpUser):
    """A browser tab through which one parent after another applies once."""

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0
    max_retries = 0

    @task
    def apply(self) -> None:
        try:
            session_key, group_id, child_id = RUSH.line.popleft()
        except IndexError:
            raise StopUser() from None
        # One parent per request: nothing the server set for the previous parent goes back.
        self.client.cookiejar.clear()
        started = time.perf_counter()
        if RUSH.first_sent is None:
            RUSH.first_sent = started
        status = 0
        body = ""
        with self.client.post(
            f"/enrollment/apply/{group_id}/",
            data={"csrfmiddlewaretoken": RUSH.csrf, "child": str(child_id)},
            headers={"Cookie": f"sessionid={session_key}; csrftoken={RUSH.csrf}"},
            allow_redirects=False,
            catch_response=True,
            name="/enrollment/apply/[group]/",
        ) as response:
            elapsed_ms = (time.perf_counter() - started) * 1000
            status = response.status_code or 0
            if status == 302:
                response.success()
            else:
                body = response.text or ""
                response.failure(f"HTTP {status}")
        if status == 302 and RUSH.follow:
            # The page the parent lands on, with the flash message the POST left in a cookie.
            location = response.headers.get("Location", "")
            flash = response.headers.get("Set-Cookie", "").split(";", 1)[0]
            cookie = f"sessionid={session_key}; csrftoken={RUSH.csrf}"
            with self.client.get(
                location,
                headers={"Cookie": f"{cookie}; {flash}" if flash else cookie},
                allow_redirects=False,
                catch_response=True,
                name="/enrollment/applications/[pk]/",
            ) as page:
                if page.status_code == 200:
                    page.success()
                else:
                    page.failure(f"HTTP {page.status_code}")
                    status = page.status_code or 0
                    body = page.text or ""
            elapsed_ms = (time.perf_counter() - started) * 1000
        RUSH.last_answered = time.perf_counter()
        RUSH.latencies_ms.append(elapsed_ms)
        RUSH.statuses[status] += 1
        if status in (400, 409):
            RUSH.refusals[_refusal_message(body)] += 1
        elif status not in (302, 200) and len(RUSH.unexpected) < 5:
            RUSH.unexpected.append(f"HTTP {status} /enrollment/apply/{group_id}/: {body[:300]}")
        RUSH.done += 1


class Reader(FastHttpUser):
    """A browser tab that asks for the cheapest page, one parent's session after another."""

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0
    max_retries = 0

    @task
    def read(self) -> None:
        if time.monotonic() >= RUSH.stop_at:
            raise StopUser()
        session_key = RUSH.sessions[RUSH.next_session % len(RUSH.sessions)]
        RUSH.next_session += 1
        self.client.cookiejar.clear()
        started = time.perf_counter()
        if RUSH.first_sent is None:
            RUSH.first_sent = started
        with self.client.get(
            "/healthz/session",
            headers={"Cookie": f"sessionid={session_key}; csrftoken={RUSH.csrf}"},
            allow_redirects=False,
            catch_response=True,
            name="/healthz/session",
        ) as response:
            elapsed_ms = (time.perf_counter() - started) * 1000
            status = response.status_code or 0
            body = response.text or ""
            logged_in = status == 200 and '"authenticated": true' in body
            if logged_in:
                response.success()
            else:
                response.failure(f"HTTP {status}")
        RUSH.last_answered = time.perf_counter()
        RUSH.latencies_ms.append(elapsed_ms)
        RUSH.statuses[status] += 1
        if status == 200 and not logged_in:
            RUSH.anonymous += 1
        if not logged_in and len(RUSH.unexpected) < 5:
            RUSH.unexpected.append(f"HTTP {status} /healthz/session: {body[:300]}")
        RUSH.done += 1


def main() -> None:
    global RUSH
    plan_path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    plan = json.loads(plan_path.read_text())
    host: str = plan["host"]
    if not host.startswith("http://127.0.0.1:"):
        raise SystemExit(f"rush_load: refusing to send traffic anywhere but 127.0.0.1 ({host})")
    RUSH = Rush(plan)
    if RUSH.mode not in ("apply", "follow", "ceiling"):
        raise SystemExit(f"rush_load: unknown mode {RUSH.mode!r}")
    ceiling = RUSH.mode == "ceiling"
    users = min(int(plan["users"]), RUSH.total)
    deadline = time.monotonic() + float(plan["deadline_s"])
    environment = Environment(user_classes=[Reader if ceiling else Parent], host=host)
    runner = environment.create_local_runner()
    if ceiling:
        RUSH.stop_at = deadline
    runner.start(user_count=users, spawn_rate=users)
    while (ceiling or RUSH.done < RUSH.total) and time.monotonic() < deadline:
        gevent.sleep(0.05)
    # A ceiling round ends at its deadline by design; a rush that did not finish timed out.
    timed_out = not ceiling and RUSH.done < RUSH.total
    runner.quit()
    result = {
        "started": RUSH.first_sent or 0.0,
        "finished": RUSH.last_answered,
        "latencies_ms": RUSH.latencies_ms,
        "statuses": dict(RUSH.statuses),
        "refusals": dict(RUSH.refusals),
        "unexpected": RUSH.unexpected,
        "anonymous": RUSH.anonymous,
        "not_sent": 0 if ceiling else len(RUSH.line),
        "timed_out": timed_out,
    }
    result_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
