"""A group's seats: the counter every enrolment takes and frees, under any concurrency.

The counter lives on the group row (`seats_taken`, with the CHECK constraint
group_seats_within_capacity as the backstop); each function here is one plain statement on
that row, because at a rush every click runs one of them inside the transaction that holds
the group's row lock, and the ORM spent five times the database's work building them.
Both PostgreSQL and SQLite speak this dialect.
"""

import functools

from django.db import connection

from kruzhok.catalog.models import Group
from kruzhok.common.rawsql import for_update, table


class NothingToRelease(RuntimeError):
    """A seat was released in a group where none is taken: the caller's bookkeeping is wrong."""


@functools.cache
def _take(vendor: str) -> str:
    return (
        f"UPDATE {table(Group)} SET seats_taken = seats_taken + 1 "
        "WHERE id = %s AND seats_taken < capacity"
    )


@functools.cache
def _release(vendor: str) -> str:
    return (
        f"UPDATE {table(Group)} SET seats_taken = seats_taken - 1 WHERE id = %s AND seats_taken > 0"
    )


@functools.cache
def _lock(vendor: str) -> str:
    return f"SELECT capacity - seats_taken FROM {table(Group)} WHERE id = %s{for_update()}"


def _update(sql: str, group_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [group_id])
        return int(cursor.rowcount)


def group_seat_take(*, group_id: int) -> bool:
    """Take one seat if one is free, in a single conditional UPDATE; True if taken.

    Safe under any concurrency: the row is re-checked by the database as it is updated, and the
    CHECK constraint group_seats_within_capacity refuses any overbooking that slips past. On
    PostgreSQL the update also locks the row until the transaction ends.
    """
    return _update(_take(connection.vendor), group_id) == 1


def group_seats_lock(*, group_id: int) -> int:
    """Lock the group's row until the transaction ends and return its free seats.

    While the lock is held no other transaction can take or free a seat of the group (every
    seat change updates this row), so the figure stays true until the commit. On SQLite the
    IMMEDIATE transaction already serialises writers and the lock clause is dropped.
    """
    with connection.cursor() as cursor:
        cursor.execute(_lock(connection.vendor), [group_id])
        row = cursor.fetchone()
    if row is None:
        raise Group.DoesNotExist(f"group {group_id} does not exist")
    return int(row[0])


def group_seat_release(*, group_id: int) -> None:
    """Free one taken seat, in a single conditional UPDATE; never goes below zero.

    Raises NothingToRelease when the group has no taken seat (or does not exist).
    """
    if _update(_release(connection.vendor), group_id) != 1:
        raise NothingToRelease(f"group {group_id} has no taken seat to release")
