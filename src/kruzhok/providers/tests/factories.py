"""Factories for providers (users come from accounts).

Providers are created through the services, so every row passes the same checks a real one does
(ИНН/ОГРН checksums). ИНН and ОГРН are generated with their official check digits, unique per
call.
"""

import itertools

import factory

from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample
from kruzhok.providers import services
from kruzhok.providers.models import Provider, ProviderKind, ProviderStatus

MUNICIPALITY_NAME = "Нефтекумский городской округ"

# Prefixes distinct from other apps' factories, so both can be used in one test.
_numbers = itertools.count(1)


def municipality_default() -> Municipality:
    municipality, _ = Municipality.objects.get_or_create(name=MUNICIPALITY_NAME)
    return municipality


# ИНН 78…, ОГРН 10278…: apart from the demo's and the tests' world.
PREFIX = "78"


def inn_organization(number: int) -> str:
    return inn_sample(number, prefix=PREFIX)


def ogrn_organization(number: int) -> str:
    return ogrn_sample(number, prefix=PREFIX)


def inn_entrepreneur(number: int) -> str:
    return inn_sample(number, prefix=PREFIX, entrepreneur=True)


def ogrnip(number: int) -> str:
    return ogrn_sample(number, prefix=PREFIX, entrepreneur=True)


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    """An approved organisation; `entrepreneur=True` makes an individual entrepreneur."""

    class Meta:
        model = Provider

    class Params:
        entrepreneur = factory.Trait(
            kind=ProviderKind.ENTREPRENEUR,
            full_name=factory.Sequence(lambda n: f"Индивидуальный предприниматель Сидоров {n}"),
            inn=factory.LazyFunction(lambda: inn_entrepreneur(next(_numbers))),
            ogrn=factory.LazyFunction(lambda: ogrnip(next(_numbers))),
        )

    kind = ProviderKind.ORGANIZATION
    full_name = factory.Sequence(lambda n: f"Муниципальное учреждение «Дом творчества №{n}»")
    short_name = factory.Sequence(lambda n: f"Дом творчества №{n}")
    inn = factory.LazyFunction(lambda: inn_organization(next(_numbers)))
    ogrn = factory.LazyFunction(lambda: ogrn_organization(next(_numbers)))
    license_number = factory.Sequence(lambda n: f"Л035-01234-26/{n:08d}")
    address = "Ставропольский край, г. Нефтекумск, ул. Ленина, 1"
    municipality = factory.LazyFunction(municipality_default)
    phone = "+7 865 582-00-00"
    email = "dom-tvorchestva@example.ru"
    status = ProviderStatus.APPROVED

    @classmethod
    def _create(cls, model_class: type[Provider], *args, **kwargs) -> Provider:
        return services.provider_create(**kwargs)
