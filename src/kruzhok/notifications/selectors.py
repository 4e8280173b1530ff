from django.db import connection
from django.db.models import QuerySet

from kruzhok.accounts.models import User
from kruzhok.common.rawsql import table
from kruzhok.notifications.models import Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user: User) -> int:
    """The badge on every page: one plain COUNT on the (user, read_at) index, by hand because
    the ORM spent more building it than the database answering (see common.rawsql)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table(Notification)} WHERE user_id = %s AND read_at IS NULL",
            [user.pk],
        )
        (count,) = cursor.fetchone()
    return int(count)
