"""Factories for the catalogue: providers, programs, groups (users come from accounts).

Providers, programs and groups are created through the services, so every row passes the same
checks a real one does (ИНН/ОГРН checksums, ages, schedules) and has its search documents and
lessons. ИНН and ОГРН are generated with their official check digits, unique per call.
"""

import datetime
import itertools

import factory
from django.utils import timezone

from kruzhok.catalog import services
from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    Group,
    Program,
    ProgramState,
    Provider,
    ProviderKind,
    ProviderStatus,
)
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample

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


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    """A published certificate-paid program of an approved provider."""

    class Meta:
        model = Program

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Программа {n}")
    description = "Занятия для детей в небольших группах."
    direction = Direction.TECHNICAL
    age_min = 7
    age_max = 14
    duration_months = 9
    hours_per_week = 4
    price_per_hour = 15_000
    financing_source = FinancingSource.CERTIFICATE
    address = "г. Нефтекумск, ул. Ленина, 1, каб. 12"
    state = ProgramState.PUBLISHED

    @classmethod
    def _create(cls, model_class: type[Program], *args, **kwargs) -> Program:
        return services.program_create(**kwargs)


def _today() -> datetime.date:
    return timezone.localdate()


class GroupFactory(factory.django.DjangoModelFactory[Group]):
    """A group of 15 seats, Tuesdays and Thursdays at 15:00 for two hours, running from today."""

    class Meta:
        model = Group

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Группа {n}")
    capacity = 15
    start_date = factory.LazyFunction(_today)
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=120))
    schedule = factory.LazyFunction(
        lambda: [(1, datetime.time(15, 0), 2), (3, datetime.time(15, 0), 2)]
    )

    @classmethod
    def _create(cls, model_class: type[Group], *args, **kwargs) -> Group:
        return services.group_create(**kwargs)
