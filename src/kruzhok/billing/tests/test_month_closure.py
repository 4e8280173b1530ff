import datetime

import pytest
from django.db import IntegrityError

from kruzhok.accounts.models import Role
from kruzhok.billing.models import MonthClosure
from kruzhok.billing.services import MonthCloseError, month_close, month_is_closed
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import user_make

SEPTEMBER = datetime.date(2026, 9, 1)


@pytest.fixture
def operator(world):
    return user_make(Role.OPERATOR, world.municipality)


def test_a_closed_month_is_closed_on_every_day_and_only_there(world, operator):
    month_close(actor=operator, municipality=world.municipality, month=datetime.date(2026, 9, 17))
    closure = MonthClosure.objects.get()
    assert (closure.month, closure.closed_by) == (SEPTEMBER, operator)
    for day in (SEPTEMBER, datetime.date(2026, 9, 30)):
        assert month_is_closed(municipality_id=world.municipality.pk, day=day)
    assert not month_is_closed(
        municipality_id=world.municipality.pk, day=datetime.date(2026, 10, 1)
    )
    other = Municipality.objects.create(name="Соседний округ")
    assert not month_is_closed(municipality_id=other.pk, day=SEPTEMBER)


def test_a_month_is_closed_once(world, operator):
    month_close(actor=operator, municipality=world.municipality, month=SEPTEMBER)
    with pytest.raises(MonthCloseError, match="уже закрыт"):
        month_close(actor=operator, municipality=world.municipality, month=SEPTEMBER)
    assert MonthClosure.objects.count() == 1


def test_the_current_month_cannot_be_closed(world, operator):
    with pytest.raises(MonthCloseError, match="ещё не закончился"):
        month_close(
            actor=operator, municipality=world.municipality, month=datetime.date(2026, 10, 1)
        )


def test_only_an_operator_of_the_municipality_closes_it(world):
    other = Municipality.objects.create(name="Соседний округ")
    for actor in (world.parent, world.admin, user_make(Role.OPERATOR, other)):
        with pytest.raises(MonthCloseError):
            month_close(actor=actor, municipality=world.municipality, month=SEPTEMBER)
    regional = user_make(Role.REGIONAL_ADMIN)
    month_close(actor=regional, municipality=world.municipality, month=SEPTEMBER)
    assert MonthClosure.objects.count() == 1


def test_the_database_refuses_a_closure_that_is_not_a_first_day(world, operator):
    with pytest.raises(IntegrityError):
        MonthClosure.objects.create(
            municipality=world.municipality, month=datetime.date(2026, 9, 15), closed_by=operator
        )
