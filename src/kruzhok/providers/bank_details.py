"""Bank details of a provider: БИК and accounts, checked by the Bank of Russia's control key.

python-stdnum has no Russian bank numbers, so the key is computed here, as the Bank of Russia's
rules for account numbering (Положение № 579-П, приложение) describe it: the 3 digits that
identify the bank's branch, followed by the 20 digits of the account, are multiplied by the
weights 7, 1, 3, 7, 1, 3...; the sum of the last digits of the products must end in 0. For a
settlement account the 3 digits are the last three of the БИК; for the bank's correspondent
account they are 0 and the 5th and 6th digits of the БИК (the Bank of Russia branch).
"""

import re

from django.core.exceptions import ValidationError

from kruzhok.common.field_errors import Errors
from kruzhok.common.validators import normalize_digits

_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 3 digits of the БИК + 20 of the account
_KEY_POSITION = 8  # the 9th digit of an account is its control key


def _key_sum(digits: str) -> int:
    return sum(int(d) * w % 10 for d, w in zip(digits, _WEIGHTS, strict=True)) % 10


def _settlement_prefix(bik: str) -> str:
    return bik[-3:]


def _correspondent_prefix(bik: str) -> str:
    return "0" + bik[4:6]


def settlement_account_is_valid(*, account: str, bik: str) -> bool:
    """Whether the settlement account's control key agrees with the bank's БИК."""
    if not (re.fullmatch(r"[0-9]{20}", account) and re.fullmatch(r"[0-9]{9}", bik)):
        return False
    return _key_sum(_settlement_prefix(bik) + account) == 0


def correspondent_account_is_valid(*, account: str, bik: str) -> bool:
    """Whether the bank's correspondent account's control key agrees with its БИК."""
    if not (re.fullmatch(r"[0-9]{20}", account) and re.fullmatch(r"[0-9]{9}", bik)):
        return False
    return _key_sum(_correspondent_prefix(bik) + account) == 0


def _with_key(prefix: str, account: str) -> str:
    body = account[:_KEY_POSITION] + "0" + account[_KEY_POSITION + 1 :]
    # The key's weight is 3 (position 11 of 23): find the digit that brings the sum to 0.
    for key in "0123456789":
        candidate = body[:_KEY_POSITION] + key + body[_KEY_POSITION + 1 :]
        if _key_sum(prefix + candidate) == 0:
            return candidate
    raise AssertionError("unreachable: 3·k mod 10 takes every value")


def settlement_account_with_key(*, account: str, bik: str) -> str:
    """The 20-digit account with its 9th digit set to the right control key (demo and tests)."""
    return _with_key(_settlement_prefix(bik), account)


def correspondent_account_with_key(*, account: str, bik: str) -> str:
    """The correspondent account with its control key set (demo and tests)."""
    return _with_key(_correspondent_prefix(bik), account)


def bank_details_errors(
    *, bik: str, settlement_account: str, correspondent_account: str, required: bool
) -> tuple[tuple[str, str, str], Errors]:
    """The details as bare digits and the problems found, keyed by field, in Russian.

    With `required`, each of the three numbers must be given; otherwise all three may be blank
    together, but a settlement account needs the БИК it is checked against.
    """
    bik = normalize_digits(bik)
    settlement_account = normalize_digits(settlement_account)
    correspondent_account = normalize_digits(correspondent_account)
    errors: Errors = {}
    if not bik:
        if required or settlement_account or correspondent_account:
            errors["bik"] = ["Укажите БИК банка: 9 цифр, он есть в реквизитах счёта."]
    elif not re.fullmatch(r"[0-9]{9}", bik):
        errors["bik"] = ["БИК состоит из 9 цифр, например 040702615."]
    bik_ok = bool(bik) and "bik" not in errors

    if not settlement_account:
        if required:
            errors["settlement_account"] = ["Укажите расчётный счёт: 20 цифр."]
    elif not re.fullmatch(r"[0-9]{20}", settlement_account):
        errors["settlement_account"] = [
            f"Расчётный счёт состоит из 20 цифр, а здесь {len(settlement_account)}."
            if settlement_account.isdigit()
            else "Расчётный счёт состоит только из цифр, их 20."
        ]
    elif bik_ok and not settlement_account_is_valid(account=settlement_account, bik=bik):
        errors["settlement_account"] = [
            "Расчётный счёт не сходится с БИК по контрольному ключу: сверьте оба номера "
            "с реквизитами банка — вероятно, в одном из номеров опечатка."
        ]

    if not correspondent_account:
        if required:
            errors["correspondent_account"] = ["Укажите корреспондентский счёт банка: 20 цифр."]
    elif not re.fullmatch(r"[0-9]{20}", correspondent_account):
        errors["correspondent_account"] = [
            f"Корреспондентский счёт состоит из 20 цифр, а здесь {len(correspondent_account)}."
            if correspondent_account.isdigit()
            else "Корреспондентский счёт состоит только из цифр, их 20."
        ]
    elif bik_ok and not correspondent_account_is_valid(account=correspondent_account, bik=bik):
        errors["correspondent_account"] = [
            "Корреспондентский счёт не сходится с БИК по контрольному ключу: сверьте оба номера "
            "с реквизитами банка."
        ]
    return (bik, settlement_account, correspondent_account), errors


def bank_details_validate(
    *, bik: str, settlement_account: str, correspondent_account: str, required: bool = True
) -> tuple[str, str, str]:
    """БИК, settlement and correspondent accounts as bare digits, checked by length and key.

    Raises ValidationError keyed by "bik", "settlement_account" and "correspondent_account".
    """
    details, errors = bank_details_errors(
        bik=bik,
        settlement_account=settlement_account,
        correspondent_account=correspondent_account,
        required=required,
    )
    if errors:
        raise ValidationError(errors)
    return details
