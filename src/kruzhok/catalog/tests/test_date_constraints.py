"""The database's backstop behind the forms' date ranges: a group's dates in order and within
the portal's years, whatever code writes them."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from kruzhok.catalog.models import Group

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2026, 9, 1), datetime.date(2026, 8, 31)),  # ends before it starts
        (datetime.date(1900, 1, 1), datetime.date(2026, 5, 31)),
        (datetime.date(2026, 9, 1), datetime.date(2999, 12, 31)),  # the lesson bomb's year
    ],
)
def test_a_group_with_dates_out_of_order_or_range_cannot_be_stored(world, start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=world.group.pk).update(start_date=start, end_date=end)

    world.group.refresh_from_db()
    assert world.group.start_date <= world.group.end_date <= datetime.date(2100, 12, 31)


def test_a_group_at_the_edges_of_the_range_is_stored(world):
    edges = {"start_date": datetime.date(2000, 1, 1), "end_date": datetime.date(2100, 12, 31)}
    assert Group.objects.filter(pk=world.group.pk).update(**edges) == 1
