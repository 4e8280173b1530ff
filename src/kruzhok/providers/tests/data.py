"""Data for the providers' tests: a provider's request to join, operators."""

import itertools
from typing import Any

from kruzhok.accounts.models import Role, User
from kruzhok.common.models import Municipality
from kruzhok.providers.bank_details import settlement_account_with_key
from kruzhok.providers.tests.factories import inn_organization, ogrn_organization

PASSWORD = "Kruzhok-2026-parol"
SBER_BIK = "040702615"
SBER_CORR = "30101810907020000615"
SBER_ACCOUNT = settlement_account_with_key(account="40703810060100000017", bik=SBER_BIK)

# Far from the factories' numbers, so that both can be used in one test.
_numbers = itertools.count(700_000)


def join_arguments(municipality: Municipality, **overrides: Any) -> dict[str, Any]:
    """Everything provider_join needs for an organisation, valid; override to break a part."""
    n = next(_numbers)
    arguments: dict[str, Any] = {
        "email": f"director{n}@example.ru",
        "password": PASSWORD,
        "last_name": "Кузнецова",
        "first_name": "Анна",
        "patronymic": "Сергеевна",
        "phone": "+7 900 123-45-67",
        "kind": "organization",
        "full_name": f"Автономная некоммерческая организация «Кванторик-{n}»",
        "short_name": f"АНО «Кванторик-{n}»",
        "inn": inn_organization(n),
        "ogrn": ogrn_organization(n),
        "license_number": "Л035-01234-26/00123456",
        "address": "г. Нефтекумск, ул. Ленина, 10",
        "municipality": municipality,
        "org_phone": "8 (86558) 4-12-34",
        "org_email": f"info{n}@kvantorik.ru",
        "website": "",
        "bank_name": "Ставропольское отделение № 5230 ПАО Сбербанк",
        "bik": SBER_BIK,
        "settlement_account": SBER_ACCOUNT,
        "correspondent_account": SBER_CORR,
    }
    arguments.update(overrides)
    return arguments


def join_form_data(municipality: Municipality, **overrides: Any) -> dict[str, Any]:
    """The join page's POST data for join_arguments."""
    arguments = join_arguments(municipality)
    data = {
        **arguments,
        "municipality": municipality.pk,
        "password1": arguments["password"],
        "password2": arguments["password"],
    }
    del data["password"]
    data.update(overrides)
    return data


def operator_make(
    municipality: Municipality | None, *, role: str = Role.OPERATOR, email: str = ""
) -> User:
    n = next(_numbers)
    return User.objects.create_user(
        email or f"operator{n}@example.ru",
        PASSWORD,
        last_name="Операторова",
        first_name="Ольга",
        role=role,
        municipality=municipality,
    )
