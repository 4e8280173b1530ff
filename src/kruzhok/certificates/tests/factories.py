"""Factories for ledger tests: municipalities, financing programs, children, providers.

Identity numbers are generated with their official checksums, so every row would pass the
validators a form applies (СНИЛС, ИНН, ОГРН), and each is unique per factory call.
"""

import datetime
import itertools

import factory
from django.db import transaction

from kruzhok.certificates import services
from kruzhok.certificates.models import Certificate, FinancingProgram
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample, snils_sample
from kruzhok.families.models import Child
from kruzhok.providers.models import Provider, ProviderKind, ProviderStatus

# The checksum of a СНИЛС is verified only above 001-001-998; start well past it.
_snils_numbers = itertools.count(50_000)
_org_numbers = itertools.count(1)


# ИНН 2699…, ОГРН 1022699…: apart from the demo's and the tests' world.
PREFIX = "2699"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Тестовый муниципальный округ №{n}")
    children_population = 1000


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    last_name = "Иванов"
    first_name = factory.Sequence(lambda n: f"Пётр{n}")
    patronymic = "Сергеевич"
    birth_date = datetime.date(2016, 3, 15)
    snils = factory.LazyFunction(lambda: snils_sample(next(_snils_numbers)))
    municipality = factory.SubFactory(MunicipalityFactory)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    class Params:
        seq = factory.LazyFunction(lambda: next(_org_numbers))

    kind = ProviderKind.ORGANIZATION
    full_name = factory.Sequence(lambda n: f"Муниципальное бюджетное учреждение ДО №{n}")
    short_name = factory.Sequence(lambda n: f"МБУ ДО №{n}")
    inn = factory.LazyAttribute(lambda o: inn_sample(o.seq, prefix=PREFIX))
    ogrn = factory.LazyAttribute(lambda o: ogrn_sample(o.seq, prefix=PREFIX))
    address = "г. Нефтекумск, ул. Ленина, 1"
    municipality = factory.SubFactory(MunicipalityFactory)
    status = ProviderStatus.APPROVED


PERIOD_START = datetime.date(2026, 9, 1)
PERIOD_END = datetime.date(2027, 8, 31)
# 5–13 years: 20 000 ₽; 14–18 years: 15 000 ₽ (kopecks).
NOMINAL_YOUNG = 2_000_000
NOMINAL_OLD = 1_500_000


def financing_program_make(
    *,
    municipality: Municipality | None = None,
    budget_cap: int = 100_000_000,
    max_funded_certificates: int = 100,
    nominal_bands: list[tuple[int, int, int]] | None = None,
    period_start: datetime.date = PERIOD_START,
    period_end: datetime.date = PERIOD_END,
) -> FinancingProgram:
    """A financing program created the way an operator creates one: budget funded to the cap."""
    return services.financing_program_create(
        municipality=municipality or MunicipalityFactory(),
        title="ПФДО 2026/2027",
        period_start=period_start,
        period_end=period_end,
        max_funded_certificates=max_funded_certificates,
        budget_cap=budget_cap,
        nominal_bands=nominal_bands
        if nominal_bands is not None
        else [(5, 13, NOMINAL_YOUNG), (14, 18, NOMINAL_OLD)],
    )


def certificate_fund_now(
    *, certificate: Certificate, financing_program: FinancingProgram
) -> Certificate:
    """Fund a certificate as its own entry point: in production a contract's acceptance is the
    durable transaction around `certificate_fund`; a test calling it alone opens one."""
    with transaction.atomic(durable=True):
        return services.certificate_fund(
            certificate=certificate, financing_program=financing_program
        )
