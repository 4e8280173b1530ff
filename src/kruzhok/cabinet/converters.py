"""URL converters of the cabinet."""

import datetime
import re

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class MonthConverter:
    """`2026-10` in a URL, the first day of that month in the view. A month that does not
    exist (`2026-13`, `0000-01`) does not match, so the URL is not found."""

    regex = "[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        match = _MONTH.fullmatch(value)
        if match is None:
            raise ValueError(value)
        # Raises ValueError for a month or year out of range, which Django takes as no match.
        return datetime.date(int(match[1]), int(match[2]), 1)

    def to_url(self, value: datetime.date | str) -> str:
        if isinstance(value, str):
            self.to_python(value)
            return value
        return f"{value.year:04d}-{value.month:02d}"
