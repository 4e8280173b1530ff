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


def kopecks_in_words(kopecks: int, *, capitalize: bool = False) -> str:
    """An amount as invoices and acts spell it: 120000 -> 'одна тысяча двести рублей 00 копеек'.

    Rubles in words, kopecks as two digits, each followed by its word in the right case
    ('21 копейка', '22 копейки', '25 копеек'). With `capitalize` the first letter is a capital,
    for a line that starts with the amount. Raises ValueError on a negative amount (no invoice
    or act spells one) and TypeError on anything but an int: num2words reads a float or a
    Decimal as rubles, not kopecks.
    """
    if not isinstance(kopecks, int) or isinstance(kopecks, bool):
        raise TypeError(f"kopecks must be an int, not {type(kopecks).__name__}")
    if kopecks < 0:
        raise ValueError(f"a negative amount has no accounting form in words: {kopecks}")
    # For RUB num2words reads an int as kopecks; cents=False writes them as two digits, and an
    # empty separator drops its comma between rubles and kopecks.
    words: str = num2words(
        kopecks, lang="ru", to="currency", currency="RUB", cents=False, separator=""
    )
    return words[0].upper() + words[1:] if capitalize else words
