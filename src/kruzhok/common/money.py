"""Money is integer kopecks everywhere; these helpers only convert at the edges."""

import re
from decimal import Decimal

from num2words import num2words

NBSP = "\u00a0"
# Rubles with at most two decimal places; nothing else (no exponent, no "_", no NaN).
_AMOUNT = re.compile(r"[+\-−]?[0-9]+(?:\.[0-9]{1,2})?")


def format_kopecks(amount: int, *, currency: bool = True) -> str:
    """Format kopecks the Russian way: 123456 -> '1 234,56 ₽' (non-breaking spaces)."""
    sign = "−" if amount < 0 else ""
    rubles, kopecks = divmod(abs(int(amount)), 100)
    grouped = f"{rubles:,}".replace(",", NBSP)
    text = f"{sign}{grouped},{kopecks:02d}"
    return f"{text}{NBSP}₽" if currency else text


def rubles_to_kopecks(value: str | int | Decimal) -> int:
    """Parse rubles ('1 234,56', '150', Decimal('99.5')) into integer kopecks.

    Raises ValueError on anything that is not an amount with at most two decimal places.
    """
    if isinstance(value, int):
        return value * 100
    if isinstance(value, Decimal):
        value = format(value, "f")
    text = str(value).strip().replace(NBSP, "").replace(" ", "").replace("₽", "").replace(",", ".")
    if not _AMOUNT.fullmatch(text):
        raise ValueError(f"not an amount in rubles and kopecks: {value!r}")
    return int(Decimal(text.replace("−", "-")) * 100)


def kopecks_in_words(amount: int) -> str:
    """'одна тысяча двести рублей 00 копеек' for 120000, as invoices write it."""
    # divmod of a negative amount floors: -150 would read "минус два рубля 50 копеек".
    sign = "минус " if amount < 0 else ""
    rubles, kopecks = divmod(abs(int(amount)), 100)
    words = sign + num2words(rubles, lang="ru")
    rubles_word = _plural(rubles, "рубль", "рубля", "рублей")
    kopecks_word = _plural(kopecks, "копейка", "копейки", "копеек")
    return f"{words} {rubles_word} {kopecks:02d} {kopecks_word}"


def _plural(n: int, one: str, few: str, many: str) -> str:
    n = abs(n) % 100
    if 11 <= n <= 19:
        return many
    if n % 10 == 1:
        return one
    if 2 <= n % 10 <= 4:
        return few
    return many
