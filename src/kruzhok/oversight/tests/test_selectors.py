"""The registers' and the home page's selectors, each in its owning app, read through the
figures they promise."""

import datetime

import pytest

from kruzhok.accounts.models import Role
from kruzhok.billing.selectors import months_to_close
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.financing_reads import financing_figures
from kruzhok.certificates.selectors import certificate_register
from kruzhok.common.models import Municipality
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment import withdrawal
from kruzhok.enrollment.models import ApplicationStatus
from kruzhok.enrollment.selectors import ContractState, contract_register
from kruzhok.enrollment.tests.world import (
    TODAY,
    contract_made,
    group_make,
    program_make,
    provider_make,
    user_make,
)
from kruzhok.families.selectors import child_register

pytestmark = pytest.mark.django_db


def test_a_name_typed_in_lower_case_is_found(world):
    ids = [world.municipality.pk]
    for typed in ("соколов", "СОКОЛОВ", "Соколов", "артём"):
        assert list(child_register(municipality_ids=ids, query=typed)) == [world.child], typed
    assert not child_register(municipality_ids=ids, query="иванов").exists()


def test_the_certificate_register_carries_balance_and_reserve(world):
    contract = contract_made(world)
    (row,) = certificate_register(municipality_ids=[world.municipality.pk])
    assert row.balance == 12_000_00  # the world's nominal, nothing attended yet
    assert row.reserved == contract.certificate_part
    printed = contract.certificate.number_display
    assert list(certificate_register(municipality_ids=[world.municipality.pk], query=printed)) == [
        row
    ]
    found = certificate_register(municipality_ids=[world.municipality.pk], snils=world.child.snils)
    assert list(found) == [row]
    assert not certificate_register(municipality_ids=[world.municipality.pk + 1000]).exists()


def test_a_contract_with_a_provider_elsewhere_is_in_both_municipalities_registers(world):
    elsewhere = Municipality.objects.create(name="Левокумский муниципальный округ")
    provider, admin, teacher = provider_make(elsewhere)
    group = group_make(program_make(provider, title="Шахматы"), teacher)
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    contract = enrollment_services.contract_accept(parent=world.parent, application=application)
    home = contract_made(world)
    third = Municipality.objects.create(name="Арзгирский муниципальный округ")
    expected = {world.municipality: [contract, home], elsewhere: [contract], third: []}
    for municipality, contracts in expected.items():
        for page in (False, True):  # counted and sliced, the register's two query shapes
            rows = contract_register(municipality_ids=[municipality.pk], page=page)
            assert list(rows) == sorted(contracts, key=lambda c: -c.pk)
            assert list(rows[1:2]) == sorted(contracts, key=lambda c: -c.pk)[1:2]


def test_the_contract_register_tells_contracts_in_force_from_ended_ones(world):
    contract = contract_made(world)
    ids = [world.municipality.pk]
    assert list(contract_register(municipality_ids=ids, state=ContractState.IN_FORCE)) == [contract]
    assert not contract_register(municipality_ids=ids, state=ContractState.ENDED).exists()
    withdrawal.contract_withdraw(
        actor=world.parent, application=contract.application, on=TODAY, reason="Переезд"
    )
    contract.application.refresh_from_db()
    assert contract.application.status == ApplicationStatus.WITHDRAWN
    assert list(contract_register(municipality_ids=ids, state=ContractState.ENDED)) == [contract]
    assert not contract_register(municipality_ids=ids, state=ContractState.IN_FORCE).exists()


def test_no_month_is_to_close_before_the_first_financing_period(world):
    # 15.10.2026; the world's period began on 01.09.2026: only September is over and open.
    assert months_to_close(municipality_id=world.municipality.pk, today=TODAY) == [
        datetime.date(2026, 9, 1)
    ]
    bare = Municipality.objects.create(name="Без программы финансирования")
    assert months_to_close(municipality_id=bare.pk, today=TODAY) == []


def test_financing_figures_take_the_program_in_force_and_its_budget_left(world):
    contract_made(world)  # one 12 000 ₽ certificate credited
    certificate_services.financing_program_create(
        municipality=world.municipality,
        title="ПФДО 2027/2028",
        period_start=datetime.date(2027, 9, 1),
        period_end=datetime.date(2028, 8, 31),
        max_funded_certificates=50,
        budget_cap=500_000_00,
        nominal_bands=[(5, 18, 10_000_00)],
        max_programs_per_child=3,
    )
    (figures,) = financing_figures(municipality_ids=[world.municipality.pk], day=TODAY)
    assert figures.program == world.financing
    assert figures.budget_left == 1_000_000_00 - 12_000_00
    assert (figures.quota, figures.quota_left) == (100, 99)


def test_the_audit_scope_holds_the_municipalitys_people_only(world):
    from kruzhok.accounts.selectors import user_ids_in_municipalities

    stranger = user_make(Role.PARENT, Municipality.objects.create(name="Другой округ"))
    ids = set(user_ids_in_municipalities(municipality_ids=[world.municipality.pk]))
    assert world.parent.pk in ids and stranger.pk not in ids
