import pytest

from kruzhok.accounts.tests.factories import MunicipalityFactory, UserFactory


@pytest.fixture
def municipality():
    return MunicipalityFactory.create(name="Нефтекумский городской округ")


@pytest.fixture
def parent(municipality):
    return UserFactory.create(email="ivanova@example.ru", municipality=municipality)


@pytest.fixture
def other_parent(municipality):
    return UserFactory.create(
        email="petrov@example.ru",
        last_name="Петров",
        first_name="Алексей",
        municipality=municipality,
    )
