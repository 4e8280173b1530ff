"""Log-in by e-mail and password (Django's ModelBackend), with the user of each request read
by one plain SELECT: through the ORM that lookup cost as much CPU as the rest of a typical
request (see `common.rawsql`)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from kruzhok.accounts.models import User
from kruzhok.common.rawsql import column, columns, instance_from_row, model_fields, table

_FIELDS = model_fields(User)
# What a view that logs a person in without a password (just registered, just joined) names.
LOGIN_BACKEND = "kruzhok.accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except Exception:  # a session from an older deployment, or tampered with
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns('u', User, _FIELDS)} FROM {table(User)} u "
                f"WHERE u.{column(User, 'id')} = %s",
                [pk],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        user = instance_from_row(User, _FIELDS, list(row))
        return user if self.user_can_authenticate(user) else None
