"""Working days of the Russian production calendar, for deadlines counted in working days."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=8)
def _calendar(first_year: int) -> holidays.HolidayBase:
    # Two years cover a deadline counted from late December; the calendar knows the days off
    # moved by government decree and the Saturdays that became working days.
    return holidays.country_holidays("RU", years=range(first_year, first_year + 2))


def working_day_add(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `day` (3 working days after Thu 15.10.2026 is Tue 20.10)."""
    result: datetime.date = _calendar(day.year).get_nth_working_day(day, n)
    return result
