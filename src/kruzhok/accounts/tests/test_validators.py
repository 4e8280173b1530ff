import pytest
from django.core.exceptions import ValidationError

from kruzhok.accounts.validators import format_phone, normalize_email, normalize_phone


@pytest.mark.parametrize(
    "typed",
    ["+79001234567", "89001234567", "+7 (900) 123-45-67", "8 900 123 45 67", " +7-900-123-45-67 "],
)
def test_phone_numbers_as_people_type_them_are_stored_as_plus_seven_and_ten_digits(typed):
    assert normalize_phone(typed) == "+79001234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "9001234567",
        "79001234567",
        "+7 900 123-45-6",
        "+7 900 123-45-678",
        "+1 900 123 45 67",
        "8-900-ABC-45-67",
        "+7 (900) 123.45.67",
    ],
)
def test_anything_else_is_refused_with_a_russian_hint_of_the_format(typed):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(typed)
    assert "+7 900 123-45-67" in exc.value.messages[0]


def test_a_stored_phone_is_shown_grouped():
    assert format_phone("+79001234567") == "+7 900 123-45-67"


def test_email_addresses_are_compared_lower_cased_and_trimmed():
    assert normalize_email("  Ivanova@Mail.RU ") == "ivanova@mail.ru"
