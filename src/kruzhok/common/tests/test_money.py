"""Money is integer kopecks; these helpers format, parse and spell it the Russian way."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from kruzhok.common.money import format_kopecks, kopecks_in_words, rubles_to_kopecks

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("kopecks", "text"),
    [
        (123456, f"1{NBSP}234,56{NBSP}₽"),
        (0, f"0,00{NBSP}₽"),
        (5, f"0,05{NBSP}₽"),
        (100, f"1,00{NBSP}₽"),
        (99999, f"999,99{NBSP}₽"),
        (123456789, f"1{NBSP}234{NBSP}567,89{NBSP}₽"),
        (-123456, f"−1{NBSP}234,56{NBSP}₽"),  # a real minus sign, not a hyphen
        (-5, f"−0,05{NBSP}₽"),
    ],
)
def test_format_kopecks(kopecks, text):
    assert format_kopecks(kopecks) == text


def test_format_kopecks_without_currency():
    assert format_kopecks(100_000_000, currency=False) == f"1{NBSP}000{NBSP}000,00"


def test_rub_template_filter():
    rendered = Template("{{ a|rub }} / {{ b|rub }}").render(Context({"a": 123456, "b": None}))
    assert rendered == f"1{NBSP}234,56{NBSP}₽ / —"


@pytest.mark.parametrize(
    ("value", "kopecks"),
    [
        ("1 234,56", 123456),
        (f"1{NBSP}234,56{NBSP}₽", 123456),
        ("1234.56", 123456),
        ("150", 15000),
        (" 150 ", 15000),
        ("0,5", 50),
        ("0", 0),
        ("-5,10", -510),
        (150, 15000),
        (Decimal("99.5"), 9950),
        (Decimal("99.50"), 9950),
        (Decimal("1E+3"), 100000),
    ],
)
def test_rubles_to_kopecks_parses_amounts(value, kopecks):
    assert rubles_to_kopecks(value) == kopecks


@pytest.mark.parametrize(
    "value",
    [
        "",
        "рубль",
        "1,234",  # three decimal places
        "0,001",
        "1.234,56",
        "1,2,3",
        "1e3",  # no exponents in a money field
        "1e100000",  # used to escape as decimal.InvalidOperation
        "1_000",
        "NaN",
        "Infinity",
        "--1",
        Decimal("0.001"),
        Decimal("NaN"),
    ],
)
def test_rubles_to_kopecks_refuses_anything_else(value):
    with pytest.raises(ValueError):
        rubles_to_kopecks(value)


@pytest.mark.parametrize(
    ("kopecks", "words"),
    [
        (120000, "одна тысяча двести рублей 00 копеек"),
        (100, "один рубль 00 копеек"),
        (200, "два рубля 00 копеек"),
        (500, "пять рублей 00 копеек"),
        (1100, "одиннадцать рублей 00 копеек"),
        (2100, "двадцать один рубль 00 копеек"),
        (2201, "двадцать два рубля 01 копейка"),
        (21, "ноль рублей 21 копейка"),
        (22, "ноль рублей 22 копейки"),
        (11, "ноль рублей 11 копеек"),
        (0, "ноль рублей 00 копеек"),
        (-150, "минус один рубль 50 копеек"),
    ],
)
def test_kopecks_in_words(kopecks, words):
    assert kopecks_in_words(kopecks) == words
