"""The seat counter's hand-written statements do what the ORM's would (seats_orm.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kruzhok.catalog import seats
from kruzhok.catalog.models import Group
from kruzhok.catalog.tests import seats_orm
from kruzhok.catalog.tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def _taken(group: Group) -> int:
    return Group.objects.values_list("seats_taken", flat=True).get(pk=group.pk)


def test_taking_a_seat_by_hand_and_through_the_orm_agree_until_the_group_is_full():
    by_hand, orm = GroupFactory.create(capacity=3), GroupFactory.create(capacity=3)
    for _ in range(4):
        assert seats.group_seat_take(group_id=by_hand.pk) == seats_orm.group_seat_take(
            group_id=orm.pk
        )
        assert _taken(by_hand) == _taken(orm)
    assert _taken(by_hand) == 3
    assert seats.group_seat_take(group_id=10**9) is seats_orm.group_seat_take(group_id=10**9)


def test_the_locked_free_seats_are_what_the_orm_reads():
    group = GroupFactory.create(capacity=3)
    for _ in range(4):
        with transaction.atomic():
            assert seats.group_seats_lock(group_id=group.pk) == seats_orm.group_seats_lock(
                group_id=group.pk
            )
        seats.group_seat_take(group_id=group.pk)
    with pytest.raises(Group.DoesNotExist), transaction.atomic():
        seats.group_seats_lock(group_id=10**9)
    with pytest.raises(Group.DoesNotExist), transaction.atomic():
        seats_orm.group_seats_lock(group_id=10**9)


@pytest.mark.postgres
def test_the_lock_by_hand_locks_the_row_as_the_orm_does():
    group = GroupFactory.create()
    statements = []
    for lock in (seats.group_seats_lock, seats_orm.group_seats_lock):
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            lock(group_id=group.pk)
        (select,) = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        statements.append(select)
    assert all(sql.endswith(" FOR UPDATE") for sql in statements), statements
