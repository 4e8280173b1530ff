"""The hand-written statements behave as the ORM's: what they write, the ORM reads back
unchanged; what they read equals what the ORM reads."""

import datetime

from django.db import connection
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.common import rawsql
from kruzhok.enrollment.tests.world import user_make


def test_instance_from_row_reads_as_the_orm_does(db):
    user = user_make()
    User.objects.filter(pk=user.pk).update(
        email_confirmed_at=datetime.datetime(2026, 8, 25, 9, 0, 0, 123456, tzinfo=datetime.UTC)
    )
    fields = rawsql.model_fields(User)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rawsql.columns('', User, fields)} FROM {rawsql.table(User)} WHERE id = %s",
            [user.pk],
        )
        read = rawsql.instance_from_row(User, fields, list(cursor.fetchone()))
    orm = User.objects.get(pk=user.pk)
    for name in fields:
        assert getattr(read, name) == getattr(orm, name), name
    assert timezone.is_aware(read.email_confirmed_at) and timezone.is_aware(read.date_joined)
