"""Months as people name them: the nominative «октябрь 2026» of reports, invoices and payments."""

import datetime

MONTH_NAMES = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def month_name(day: datetime.date) -> str:
    """«октябрь 2026»: the month a day belongs to, as people say it."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"
