"""Per-caller rate limits: each token (or signed-in person, or anonymous address) may make so
many requests a minute; beyond that the answer is 429 with Retry-After.

A fixed one-minute window counted in the cache (`add` then `incr`, both atomic in Redis and
in the local-memory cache): with a shared cache (KRUZHOK_CACHE_URL=redis://…) the limit holds
across every worker; with the default per-process cache each worker counts its own. While
Redis is down nothing is counted (common.redis_cache): the limits let callers through rather
than refuse everyone.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from kruzhok.accounts.permissions import client_ip

WINDOW_S = 60


class CallerThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait = float(WINDOW_S)

    def allow_request(self, request: HttpRequest) -> bool:
        caller = getattr(request, "auth", None)
        if caller is not None:
            ident, limit = str(caller), int(settings.KRUZHOK_API_RATE_PER_MINUTE)
        else:
            ident = f"ip:{client_ip(request) or '-'}"
            limit = int(settings.KRUZHOK_API_ANONYMOUS_RATE_PER_MINUTE)
        now = time.time()
        window = int(now // WINDOW_S)
        key = f"api:rate:{ident}:{window}"
        if cache.add(key, 1, WINDOW_S + 5):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, WINDOW_S + 5)
                count = 1
        self._wait = (window + 1) * WINDOW_S - now
        return count <= limit

    def wait(self) -> float:
        return float(math.ceil(self._wait))
