import datetime
from typing import cast

import factory

from kruzhok.accounts.tests.factories import MunicipalityFactory
from kruzhok.common.validators import snils_check_digits
from kruzhok.families.models import Child, Guardianship


def snils_with_checksum(number: str) -> str:
    """A nine-digit СНИЛС number followed by its two check digits."""
    return number + snils_check_digits(number)


class ChildFactory(factory.django.DjangoModelFactory[Child]):
    """A child of 9 years; `ChildFactory(guardian=parent)` makes the parent its primary guardian."""

    class Meta:
        model = Child
        skip_postgeneration_save = True

    last_name = "Иванов"
    first_name = factory.Sequence(lambda n: ["Пётр", "Анна", "Илья", "Софья"][n % 4])
    patronymic = "Сергеевич"
    birth_date = factory.LazyFunction(
        lambda: datetime.date.today().replace(day=1) - datetime.timedelta(days=9 * 366)
    )
    # Far from the ranges other apps' factories use, so a test mixing them never collides.
    snils = factory.Sequence(lambda n: snils_with_checksum(f"{500_000_000 + n:09d}"))
    municipality = factory.SubFactory(MunicipalityFactory)

    @factory.post_generation
    def guardian(self, create, extracted, **kwargs):
        if create and extracted is not None:
            child = cast(Child, self)  # factory_boy passes the created child as `self`
            Guardianship.objects.create(child=child, user=extracted, is_primary=True)


class GuardianshipFactory(factory.django.DjangoModelFactory[Guardianship]):
    class Meta:
        model = Guardianship

    child = factory.SubFactory(ChildFactory)
    user = factory.SubFactory("kruzhok.accounts.tests.factories.UserFactory")
    is_primary = False
