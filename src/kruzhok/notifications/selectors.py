from django.db.models import QuerySet

from kruzhok.accounts.models import User
from kruzhok.notifications.models import Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user: User) -> int:
    """The badge on every page: a COUNT on the (user, read_at) index."""
    return Notification.objects.filter(user=user, read_at=None).count()
