"""The seat counter: it stops at capacity and never goes below zero, the database refuses what
slips past, and its hand-written statements do what the ORM's would (seats_orm.py)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from kruzhok.catalog import seats
from kruzhok.catalog.models import Group
from kruzhok.catalog.tests import seats_orm
from kruzhok.catalog.tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def test_taking_seats_stops_exactly_at_capacity():
    group = GroupFactory.create(capacity=2)

    taken = [seats.group_seat_take(group_id=group.pk) for _ in range(3)]

    assert taken == [True, True, False]
    group.refresh_from_db()
    assert group.seats_taken == 2


def test_a_released_seat_can_be_taken_again():
    group = GroupFactory.create(capacity=1)
    assert seats.group_seat_take(group_id=group.pk)

    seats.group_seat_release(group_id=group.pk)

    assert seats.group_seat_take(group_id=group.pk)


def test_releasing_a_seat_that_was_not_taken_raises_and_never_goes_below_zero():
    group = GroupFactory.create()

    with pytest.raises(seats.NothingToRelease):
        seats.group_seat_release(group_id=group.pk)

    group.refresh_from_db()
    assert group.seats_taken == 0


def test_the_database_refuses_more_seats_taken_than_capacity_even_by_a_raw_update():
    group = GroupFactory.create(capacity=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(seats_taken=F("capacity") + 1)

    group.refresh_from_db()
    assert group.seats_taken == 0


def test_the_database_refuses_a_capacity_below_the_seats_taken():
    group = GroupFactory.create(capacity=3)
    seats.group_seat_take(group_id=group.pk)
    seats.group_seat_take(group_id=group.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(capacity=1)


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
