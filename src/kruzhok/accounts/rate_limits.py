"""Limits on how often one client or one person may do something that could be used to
probe the portal (register, ask for a password-reset letter, try a СНИЛС), kept in the
database so that every gunicorn worker counts the same hits."""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import RateLimitHit


def _key(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def rate_limit_hit(*, scope: str, key: str, limit: int, window: datetime.timedelta) -> bool:
    """Count one attempt of `scope` by `key` and say whether it is within `limit` attempts
    per `window`. An attempt over the limit is not counted (waiting out the window always
    helps); hits of the scope older than the window are forgotten."""
    now = timezone.now()
    hashed = _key(key)
    # Hits older than the window count for nobody: forgetting them keeps the table small.
    RateLimitHit.objects.filter(scope=scope, created_at__lt=now - window).delete()
    if RateLimitHit.objects.filter(scope=scope, key=hashed).count() >= limit:
        return False
    RateLimitHit.objects.create(scope=scope, key=hashed, created_at=now)
    return True


def rate_limit_count(*, scope: str, key: str, window: datetime.timedelta) -> int:
    """How many attempts of `scope` by `key` were counted within the last `window`."""
    since = timezone.now() - window
    return RateLimitHit.objects.filter(scope=scope, key=_key(key), created_at__gte=since).count()
