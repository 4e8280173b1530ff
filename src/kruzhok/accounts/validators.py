"""Contact details of people, checked and brought to one stored form."""

import re

from django.core.exceptions import ValidationError

_PHONE_DECORATION = re.compile(r"[\s\-()]")


def normalize_phone(value: str) -> str:
    """A Russian phone number as `+7XXXXXXXXXX`.

    Accepts `8XXXXXXXXXX` and `+7XXXXXXXXXX` with spaces, dashes and brackets anywhere
    (`+7 (900) 123-45-67`); anything else is refused, so a typo never becomes a stored number.
    """
    compact = _PHONE_DECORATION.sub("", value or "")
    if re.fullmatch(r"\+7\d{10}", compact):
        return compact
    if re.fullmatch(r"8\d{10}", compact):
        return f"+7{compact[1:]}"
    raise ValidationError(
        "Укажите номер телефона из 11 цифр, начиная с +7 или 8, например +7 900 123-45-67.",
        code="phone",
    )


def format_phone(value: str) -> str:
    """`+79001234567` -> `+7 900 123-45-67`; anything else unchanged."""
    if re.fullmatch(r"\+7\d{10}", value or ""):
        d = value[2:]
        return f"+7 {d[0:3]} {d[3:6]}-{d[6:8]}-{d[8:10]}"
    return value


def normalize_email(value: str) -> str:
    """The stored form of an e-mail address: trimmed and lower-cased, one person, one login."""
    return (value or "").strip().lower()
