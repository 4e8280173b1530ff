"""The offer's funding outlook, read at once, gives the services' answers."""

import datetime

from django.utils import timezone

from kruzhok.certificates import services
from kruzhok.certificates.financing_reads import financing_budget_available, funding_outlook
from kruzhok.certificates.models import Account, FinancingProgram
from kruzhok.enrollment.tests.world import TODAY, child_make


def _orm(world, child, day):
    program = services.financing_program_current(municipality=world.municipality, day=day)
    if program is None:
        return None
    return (
        services.nominal_for(financing_program=program, child=child),
        program.funded_count < program.max_funded_certificates,
        financing_budget_available(financing_program=program),
    )


def _read(world, child, day):
    outlook = funding_outlook(municipality_id=world.municipality.pk, day=day)
    if outlook is None:
        return None
    return (
        outlook.nominal_for_age(child.age_on(outlook.period_start)),
        outlook.quota_left,
        outlook.budget_available,
    )


def test_the_outlook_agrees_with_the_services(world):
    teenager = child_make(world.parent, birth_date=datetime.date(2011, 3, 1))
    toddler = child_make(world.parent, birth_date=datetime.date(2023, 3, 1))
    for child in (world.child, teenager, toddler):
        assert _read(world, child, TODAY) == _orm(world, child, TODAY)
    assert _read(world, toddler, TODAY)[0] is None  # no band for a three-year-old
    assert _read(world, teenager, TODAY)[0] != _read(world, world.child, TODAY)[0]


def test_a_full_quota_shows(world):
    FinancingProgram.objects.filter(pk=world.financing.pk).update(max_funded_certificates=0)
    assert _read(world, world.child, TODAY) == _orm(world, world.child, TODAY)
    assert _read(world, world.child, TODAY)[1] is False


def test_no_program_in_force_gives_nothing(world):
    before = world.financing.period_start - datetime.timedelta(days=1)
    assert _read(world, world.child, before) is None is _orm(world, world.child, before)
    FinancingProgram.objects.filter(pk=world.financing.pk).update(closed_at=timezone.now())
    assert _read(world, world.child, TODAY) is None is _orm(world, world.child, TODAY)


def test_the_outlook_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        outlook = funding_outlook(municipality_id=world.municipality.pk, day=TODAY)
    assert len(outlook.bands) == world.financing.nominal_bands.count() > 1
    assert list(outlook.bands) == sorted(outlook.bands)


def test_a_program_without_bands_or_budget_account_gives_no_nominal_and_no_money(world):
    world.financing.nominal_bands.all().delete()
    assert _read(world, world.child, TODAY) == _orm(world, world.child, TODAY)
    assert _read(world, world.child, TODAY)[0] is None
    Account.objects.filter(financing_program=world.financing).update(financing_program=None)
    assert _read(world, world.child, TODAY) == _orm(world, world.child, TODAY)
    assert _read(world, world.child, TODAY)[2] == 0
