"""The stated ranges of what a person types or sends: identifiers and dates (STYLE «At the
edges»). Everything is parsed against a range before it reaches the database or the
calendar, so that nothing overflows: SQLite and PostgreSQL store a primary key in 64 bits,
and a date near 31.12.9999 overflows the first `+ timedelta` that touches it.
"""

import datetime
import re

from django import forms
from django.utils import timezone

# Primary keys are BigAutoField: signed 64 bits on every database the portal runs on.
ID_MAX = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")

# Dates people type. The portal's records start with the first financing period it served;
# nothing is planned further ahead than the next two academic years.
DATE_MIN = datetime.date(2000, 1, 1)
PLAN_YEARS_AHEAD = 2


def id_parse(value: object) -> int | None:
    """A database identifier from a form, a query string or a URL: a positive integer that
    fits the database, else None (never an exception, never an overflow)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= ID_MAX else None
    text = str(value).strip() if value is not None else ""
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


def ids_parse(values: list[str], *, limit: int = 500) -> list[int]:
    """Identifiers ticked in a list (`?application=1&application=2`), in order, each once;
    the unreadable ones are dropped, and no more than `limit` are read."""
    seen: dict[int, None] = {}
    for value in values[:limit]:
        number = id_parse(value)
        if number is not None:
            seen[number] = None
    return list(seen)


class IdConverter:
    """`<id:pk>` in a URL: an identifier that fits the database; a longer number is no
    match, so the page is not found (404) rather than an overflow (500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = id_parse(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


def plan_horizon(today: datetime.date | None = None) -> datetime.date:
    """The last day anything may be planned for: the end of the academic year (31 August)
    `PLAN_YEARS_AHEAD` years after the current one."""
    today = today or timezone.localdate()
    academic_year = today.year if today.month >= 9 else today.year - 1
    return datetime.date(academic_year + PLAN_YEARS_AHEAD + 1, 8, 31)


def date_range_message(low: datetime.date, high: datetime.date) -> str:
    return f"Укажите дату с {low:%d.%m.%Y} по {high:%d.%m.%Y}."


def date_in_range(
    value: datetime.date, *, low: datetime.date = DATE_MIN, high: datetime.date | None = None
) -> str:
    """'' if the date is within [low, high] (high: the planning horizon by default), else the
    Russian message saying which dates are accepted."""
    high = high or plan_horizon()
    if low <= value <= high:
        return ""
    return date_range_message(low, high)


class BoundedDateField(forms.DateField):
    """A date a person types, within DATE_MIN..the planning horizon (the form states it in
    the input's min and max, and refuses anything else with a message saying the range)."""

    def to_python(self, value: str | datetime.date | None) -> datetime.date | None:
        date = super().to_python(value)
        if date is not None:
            message = date_in_range(date)
            if message:
                raise forms.ValidationError(message, code="out_of_range")
        return date

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            attrs.update({"min": DATE_MIN.isoformat(), "max": plan_horizon().isoformat()})
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    """A moment a person types, on a day within DATE_MIN..the planning horizon."""

    def to_python(self, value: str | datetime.date | None) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is not None:
            message = date_in_range(moment.date())
            if message:
                raise forms.ValidationError(message, code="out_of_range")
        return moment
