"""Identity numbers of people and organisations, checked by their official checksums."""

import re

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn

_NON_DIGITS = re.compile(r"[\s\-]")


def normalize_digits(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def snils_check_digits(number: str) -> str:
    """The two check digits of a nine-digit СНИЛС number (Пенсионный фонд rules)."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(number))
    if total > 101:
        total %= 101
    return "00" if total in (100, 101) else f"{total:02d}"


def snils_is_valid(value: str) -> bool:
    """СНИЛС: 11 digits, the last two a checksum of the first nine (Пенсионный фонд rules)."""
    digits = normalize_digits(value)
    if not re.fullmatch(r"[0-9]{11}", digits):
        return False
    return snils_check_digits(digits[:9]) == digits[9:]


def format_snils(value: str) -> str:
    d = normalize_digits(value)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}" if len(d) == 11 else value


def validate_snils(value: str) -> None:
    digits = normalize_digits(value)
    # [0-9], not \d: \d also matches other scripts' digits, which the database refuses.
    if not re.fullmatch(r"[0-9]{11}", digits):
        raise ValidationError(
            "СНИЛС состоит из 11 цифр, например 112-233-445 95. Проверьте номер.", code="format"
        )
    if not snils_is_valid(digits):
        raise ValidationError(
            "Контрольное число СНИЛС не сходится: вероятно, в номере опечатка. "
            "Сверьте номер с документом.",
            code="checksum",
        )


def validate_inn(value: str) -> None:
    digits = normalize_digits(value)
    if not re.fullmatch(r"[0-9]{10}|[0-9]{12}", digits):
        raise ValidationError(
            "ИНН организации состоит из 10 цифр, ИНН предпринимателя — из 12.", code="format"
        )
    try:
        stdnum_inn.validate(digits)
    except StdnumError as exc:
        raise ValidationError(
            "Контрольные цифры ИНН не сходятся: проверьте номер.", code="checksum"
        ) from exc


def ogrn_is_valid(value: str) -> bool:
    """ОГРН (13 digits) or ОГРНИП (15): the last digit is the lowest digit of the remainder
    of the preceding number divided by 11 (ОГРН) or 13 (ОГРНИП).

    Computed here rather than by python-stdnum, whose ОГРНИП check compares the whole
    remainder (10, 11 or 12) with one digit and so refuses about 3 in 13 real ОГРНИП.
    """
    digits = normalize_digits(value)
    if re.fullmatch(r"[1-9][0-9]{12}", digits):
        modulus = 11
    elif re.fullmatch(r"[34][0-9]{14}", digits):
        modulus = 13
    else:
        return False
    return int(digits[:-1]) % modulus % 10 == int(digits[-1])


def validate_ogrn(value: str) -> None:
    digits = normalize_digits(value)
    if not re.fullmatch(r"[0-9]{13}|[0-9]{15}", digits):
        raise ValidationError("ОГРН состоит из 13 цифр, ОГРНИП — из 15.", code="format")
    if not ogrn_is_valid(digits):
        raise ValidationError(
            "Контрольная цифра ОГРН не сходится: проверьте номер.", code="checksum"
        )


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for a string of digits (the digit to append)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def luhn_is_valid(number: str) -> bool:
    return re.fullmatch(r"[0-9]{2,}", number or "") is not None and luhn_check_digit(
        number[:-1]
    ) == int(number[-1])


# A person's name: letters of any alphabet, joined by single spaces, hyphens, apostrophes or
# dots («Анна-Мария», «Д'Артаньян», «А. И.»). Emoji, digits and symbols are not names.
_NAME = re.compile(r"[^\W\d_]+(?:(?:[ \-'’.]|\. )[^\W\d_]+)*\.?")


def validate_person_name(value: str) -> None:
    """Refuse what cannot be a person's name (emoji, digits, symbols)."""
    if value and not _NAME.fullmatch(" ".join(value.split())):
        raise ValidationError(
            "Имя пишется буквами; можно дефис, апостроф и пробел. Уберите цифры, смайлики и "
            "другие знаки.",
            code="name",
        )
