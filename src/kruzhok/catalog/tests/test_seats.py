import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from kruzhok.catalog import seats
from kruzhok.catalog.models import Group
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
