"""Factories for the catalogue: programs and groups (providers come from providers, users
from accounts).

Programs and groups are created through the services, so every row passes the same checks a
real one does (ages, schedules) and has its search documents and lessons.
"""

import datetime

import factory
from django.utils import timezone

from kruzhok.catalog import groups, programs
from kruzhok.catalog.models import Direction, FinancingSource, Group, Program, ProgramState
from kruzhok.providers.tests.factories import ProviderFactory


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
        return programs.program_create(**kwargs)


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
        return groups.group_create(**kwargs)
