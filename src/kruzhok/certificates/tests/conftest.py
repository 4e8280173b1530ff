import pytest

from kruzhok.certificates import services
from kruzhok.certificates.models import Certificate, FinancingProgram
from kruzhok.certificates.tests.factories import (
    ChildFactory,
    MunicipalityFactory,
    ProviderFactory,
    financing_program_make,
)
from kruzhok.common.models import Municipality
from kruzhok.providers.models import Provider


@pytest.fixture
def municipality(db) -> Municipality:
    return MunicipalityFactory(name="Нефтекумский городской округ")


@pytest.fixture
def program(municipality) -> FinancingProgram:
    """Budget 1 000 000 ₽, room for 100 funded certificates."""
    return financing_program_make(municipality=municipality)


@pytest.fixture
def provider(municipality) -> Provider:
    return ProviderFactory(
        municipality=municipality,
        inn="7707083893",
        ogrn="1027700132195",
        short_name="ДДТ «Радуга»",
    )


@pytest.fixture
def certificate(municipality) -> Certificate:
    return services.certificate_issue(child=ChildFactory(municipality=municipality))
