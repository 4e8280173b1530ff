from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from kruzhok.accounts.models import User
from kruzhok.notifications.models import Notification

# The badge is on every page a person sees, so its count is kept: forgotten as soon as the
# person's notifications change (services), and at most this old if a change was committed
# while another request was counting.
UNREAD_TTL_S = 30


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def notification_unread_count(*, user: User, kept: Mapping[str, Any] | None = None) -> int:
    """The badge on every page: a COUNT on the (user, read_at) index, kept until the user's
    notifications change (UNREAD_TTL_S at most). A page that asks the cache for other things
    may ask for `unread_key(user.pk)` in the same round trip and pass what it got as `kept`."""
    key = unread_key(user.pk)
    count = kept.get(key) if kept is not None else cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at=None).count()
        cache.set(key, count, UNREAD_TTL_S)
    return int(count)
