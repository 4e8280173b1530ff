import factory
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.common.models import Municipality

PASSWORD = "Kruzhok-2026-parol"


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Нефтекумский городской округ {n}")
    children_population = 12000


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A parent with a confirmed e-mail; pass `role=Role.PROVIDER` etc. for other people."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"parent{n}@example.ru")
    last_name = "Иванова"
    first_name = "Мария"
    patronymic = "Петровна"
    phone = "+79001234567"
    municipality = factory.SubFactory(MunicipalityFactory)
    role = Role.PARENT
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)
