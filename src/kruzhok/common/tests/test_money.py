"""Money is integer kopecks; these helpers format, parse and spell it the Russian way."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

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
        (120_000, "одна тысяча двести рублей 00 копеек"),  # the example
        (0, "ноль рублей 00 копеек"),
        (1, "ноль рублей 01 копейка"),
        (2, "ноль рублей 02 копейки"),
        (5, "ноль рублей 05 копеек"),
        (11, "ноль рублей 11 копеек"),
        (21, "ноль рублей 21 копейка"),
        (22, "ноль рублей 22 копейки"),
        (100, "один рубль 00 копеек"),
        (202, "два рубля 02 копейки"),
        (500, "пять рублей 00 копеек"),
        (1100, "одиннадцать рублей 00 копеек"),
        (2100, "двадцать один рубль 00 копеек"),
        (2201, "двадцать два рубля 01 копейка"),
        (10_100, "сто один рубль 00 копеек"),
        (11_105, "сто одиннадцать рублей 05 копеек"),
        (100_000, "одна тысяча рублей 00 копеек"),
        (200_000, "две тысячи рублей 00 копеек"),
        (2_100_021, "двадцать одна тысяча рублей 21 копейка"),
        (100_000_000, "один миллион рублей 00 копеек"),
        (200_000_000, "два миллиона рублей 00 копеек"),
        (10_010_010_001, "сто миллионов сто тысяч сто рублей 01 копейка"),
    ],
)
def test_kopecks_in_words(kopecks, words):
    assert kopecks_in_words(kopecks) == words


def test_kopecks_in_words_capitalised_starts_a_line():
    assert kopecks_in_words(120_000, capitalize=True) == "Одна тысяча двести рублей 00 копеек"
    assert kopecks_in_words(0, capitalize=True) == "Ноль рублей 00 копеек"


def test_kopecks_in_words_refuses_a_negative_amount():
    with pytest.raises(ValueError, match="negative"):
        kopecks_in_words(-150)


@pytest.mark.parametrize("amount", [1.5, Decimal("1.50"), "150", True])
def test_kopecks_in_words_refuses_anything_but_integer_kopecks(amount):
    # num2words would read 1.5 as one ruble fifty kopecks: a hundred times the amount meant.
    with pytest.raises(TypeError):
        kopecks_in_words(amount)


def _form(n: int, one: str, few: str, many: str) -> str:
    if 11 <= n % 100 <= 14:
        return many
    return {1: one, 2: few, 3: few, 4: few}.get(n % 10, many)


_IN_WORDS = re.compile(r"([а-яё ]+) (рубль|рубля|рублей) ([0-9]{2}) (копейка|копейки|копеек)")


@given(st.integers(min_value=0, max_value=10**11))  # up to a milliard rubles
def test_kopecks_in_words_declines_rubles_and_kopecks_by_their_last_digits(kopecks):
    rubles, rest = divmod(kopecks, 100)
    match = _IN_WORDS.fullmatch(kopecks_in_words(kopecks))
    assert match is not None
    assert match[2] == _form(rubles, "рубль", "рубля", "рублей")
    assert match[3] == f"{rest:02d}"
    assert match[4] == _form(rest, "копейка", "копейки", "копеек")
