"""A group's seats: the counter every enrolment takes and frees, under any concurrency.

The counter lives on the group row (`seats_taken`, with the CHECK constraint
group_seats_within_capacity as the backstop). Taking a seat and locking the row to read the
free seats run inside every rush click's transaction, so they are written by hand (see
`common.rawsql`): through the ORM each cost about 0.25 ms more CPU per application
(bench/rawsql_cost.py), and catalog/tests/test_seats.py holds them equal to the ORM's
statements. Freeing a seat is not on the rush's path and is the ORM's.
"""

import functools

from django.db import connection
from django.db.models import F

from kruzhok.catalog.models import Group
from kruzhok.common.rawsql import column, for_update, table


class NothingToRelease(RuntimeError):
    """A seat was released in a group where none is taken: the caller's bookkeeping is wrong."""


@functools.cache
def _take(vendor: str) -> str:
    taken, capacity, pk = (column(Group, name) for name in ("seats_taken", "capacity", "id"))
    return (
        f"UPDATE {table(Group)} SET {taken} = {taken} + 1 WHERE {pk} = %s AND {taken} < {capacity}"
    )


@functools.cache
def _lock(vendor: str) -> str:
    taken, capacity, pk = (column(Group, name) for name in ("seats_taken", "capacity", "id"))
    return f"SELECT {capacity} - {taken} FROM {table(Group)} WHERE {pk} = %s{for_update()}"


def group_seat_take(*, group_id: int) -> bool:
    """Take one seat if one is free, in a single conditional UPDATE; True if taken.

    Safe under any concurrency: the row is re-checked by the database as it is updated, and the
    CHECK constraint group_seats_within_capacity refuses any overbooking that slips past. On
    PostgreSQL the update also locks the row until the transaction ends.
    """
    with connection.cursor() as cursor:
        cursor.execute(_take(connection.vendor), [group_id])
        return cursor.rowcount == 1


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
    freed = Group.objects.filter(pk=group_id, seats_taken__gt=0).update(
        seats_taken=F("seats_taken") - 1
    )
    if freed != 1:
        raise NothingToRelease(f"group {group_id} has no taken seat to release")
