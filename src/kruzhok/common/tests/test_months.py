"""Month names in the nominative, as reports, invoices and payment purposes write them."""

import datetime

import pytest

from kruzhok.common.months import month_name


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (datetime.date(2026, 1, 1), "январь 2026"),
        (datetime.date(2026, 5, 31), "май 2026"),
        (datetime.date(2026, 10, 15), "октябрь 2026"),
        (datetime.date(2027, 12, 31), "декабрь 2027"),
    ],
)
def test_month_name_is_the_nominative_month_and_its_year(day, name):
    assert month_name(day) == name


def test_every_month_has_its_own_name():
    names = {month_name(datetime.date(2026, month, 1)) for month in range(1, 13)}
    assert len(names) == 12
