"""Django's Redis cache backend, for which an unreachable Redis is an empty cache.

Everything the portal keeps in the cache can be made again (rendered cards and fragments,
search matches, ETag parts) or may be forgotten (the API's rate-limit counters): while Redis is
down, or too slow to answer within its timeouts, every read is a miss, every write is dropped
and an `incr` finds no key, so the pages render from the database and the API's limits let
callers through. A warning is logged at most once a minute per process and server; after a
failure the process leaves Redis alone for a few seconds, so that a Redis that hangs instead
of refusing costs one timeout per process and not one per request. `/healthz` asks
`reachable()`, which always tries, and reports the cache as unavailable.

Only connection failures and timeouts are forgiven: any other Redis error (a wrong password, a
full Redis refusing writes under `noeviction`) is a misconfiguration and still raises.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from time import monotonic
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)
# After a failure, calls are answered as misses without trying Redis for this long.
RETRY_AFTER_S = 5.0
WARN_EVERY_S = 60.0

T = TypeVar("T")


@dataclass
class _Outage:
    """A Redis server's last failure as this process saw it: Django makes a backend per alias
    and per thread, and all of them share this (one warning a minute, one pause)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    skip_until: float = 0.0
    warned_at: float = -WARN_EVERY_S


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, whose `get_client` builds a new `redis.Redis` around the
    connection pool for every cache call: redis-py's constructor fills a table of some 170
    response callbacks each time, which costs the portal about as much CPU as the round trip
    itself (80 µs of 165 per get on the bench machine). With one server (the portal's recipe)
    every call uses the same pool, and one `redis.Redis` around it is kept instead: it is safe
    to share between threads (each command takes a connection from the pool), and the pool
    notices a fork and opens new connections in the child. Several servers (reads spread over
    replicas) keep Django's way."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._one_server = len(servers) == 1
        self._client_kept: Redis | None = None

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        if not self._one_server:
            return super().get_client(key, write=write)
        if self._client_kept is None:
            self._client_kept = super().get_client(key, write=True)
        return self._client_kept


class OutageAsMissRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` whose connection failures are misses
    (and whose client is built once, ReusedClientRedisCacheClient)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        with _outages_lock:
            self._outage = _outages.setdefault(server, _Outage())

    def _guarded(self, call: Callable[[], T], missed: T) -> T:
        if monotonic() < self._outage.skip_until:
            return missed
        try:
            return call()
        except OUTAGE as error:
            self._failed(error)
            return missed

    def _failed(self, error: Exception) -> None:
        now, outage = monotonic(), self._outage
        with outage.lock:
            outage.skip_until = now + RETRY_AFTER_S
            warn = now - outage.warned_at >= WARN_EVERY_S
            if warn:
                outage.warned_at = now
        if warn:
            logger.warning(
                "The shared cache (Redis) does not answer, pages are rendered without it: %s",
                error,
            )

    def reachable(self) -> bool:
        """Whether Redis answers now (a real round trip, whatever the last failure)."""
        try:
            self._cache.get_client().ping()
        except RedisError as error:
            self._failed(error)
            return False
        self._outage.skip_until = 0.0
        return True

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        # An empty cache would take the key (and forget it at once).
        return self._guarded(partial(super().add, key, value, timeout, version), True)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(partial(super().get, key, default, version), default)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._guarded(partial(super().set, key, value, timeout, version), None)

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._guarded(partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(partial(super().delete, key, version), False)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._guarded(partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        value = self._guarded(partial(super().incr, key, delta, version), missing)
        if value is missing:
            # What Django's backends raise for a key the cache does not hold.
            raise ValueError(f"Key '{key}' not found.")
        return value  # type: ignore[return-value]

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        return self._guarded(partial(super().set_many, data, timeout, version), [])

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._guarded(partial(super().delete_many, keys, version), None)

    def clear(self) -> None:
        self._guarded(partial(super().clear), None)


def cache_reachable(alias: str = "default") -> bool:
    """Whether this cache answers now: a process's own memory always does."""
    backend = caches[alias]
    if isinstance(backend, OutageAsMissRedisCache):
        return backend.reachable()
    return True
