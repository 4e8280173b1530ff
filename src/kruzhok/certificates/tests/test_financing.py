"""The financing program editor's service: versioned changes that never touch money already
credited, budget moves through the ledger, dated changes waiting for their day."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from kruzhok.accounts.models import Role
from kruzhok.certificates import financing_reads, money_sql, selectors, services
from kruzhok.certificates.financing import (
    financing_changes_apply,
    financing_program_change,
    financing_program_next_create,
    financing_rules,
    financing_rules_with,
)
from kruzhok.certificates.models import (
    Certificate,
    CertificateReach,
    CertificateStatus,
    FinancingField,
    FinancingProgramChange,
    NominalBand,
    Transfer,
    TransferKind,
)
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.tests.world import (
    NOW,
    TODAY,
    child_make,
    contract_made,
    user_make,
    world_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(world):
    return user_make(Role.OPERATOR, world.municipality)


def _change(world, operator, effective_from=TODAY, **values):
    rules = financing_rules_with(financing_rules(financing_program=world.financing), **values)
    return financing_program_change(
        financing_program=world.financing,
        rules=rules,
        effective_from=effective_from,
        actor=operator,
        today=TODAY,
    )


def _fund(child, program):
    with transaction.atomic(durable=True):
        return services.certificate_fund(
            certificate=services.certificate_issue(child=child), financing_program=program
        )


def test_a_new_nominal_leaves_a_funded_certificate_untouched(world, operator):
    funded = _fund(world.child, world.financing)
    credit_before = Transfer.objects.get(
        kind=TransferKind.CREDIT, credit_account__certificate=funded
    )
    money_before = selectors.certificate_money(certificate=funded)

    _change(world, operator, bands=((5, 13, 15_000_00), (14, 18, 9_000_00)))

    funded.refresh_from_db()
    assert funded.nominal == 12_000_00
    assert selectors.certificate_money(certificate=funded) == money_before
    assert money_before.credited == 12_000_00
    credit_after = Transfer.objects.get(
        kind=TransferKind.CREDIT, credit_account__certificate=funded
    )
    assert (credit_after.pk, credit_after.amount) == (credit_before.pk, credit_before.amount)
    # ...while the next child funded gets the new nominal.
    second = _fund(child_make(world.parent), world.financing)
    assert second.nominal == 15_000_00
    assert selectors.certificate_money(certificate=second).credited == 15_000_00


def test_every_change_is_recorded_with_who_when_old_and_new(world, operator):
    changes = _change(
        world, operator, max_programs_per_child=2, advance_percent=30, title="ПФДО-2026"
    )

    rows = {
        c.field: c for c in FinancingProgramChange.objects.filter(financing_program=world.financing)
    }
    assert set(rows) == {
        FinancingField.TITLE,
        FinancingField.PROGRAMS_PER_CHILD,
        FinancingField.ADVANCE,
    }
    assert (rows["advance_percent"].old_value, rows["advance_percent"].new_value) == ("0 %", "30 %")
    assert rows["max_programs_per_child"].changed_by == operator
    assert all(c.applied_at is not None for c in changes)
    world.financing.refresh_from_db()
    assert (world.financing.max_programs_per_child, world.financing.advance_percent) == (2, 30)
    assert AuditEvent.objects.filter(action="financing_program_change").count() == 3


def test_a_nominal_from_a_later_day_waits_for_it(world, operator):
    later = TODAY + datetime.timedelta(days=10)
    (change,) = _change(world, operator, later, bands=((5, 18, 20_000_00),))

    assert change.applied_at is None
    assert _fund(world.child, world.financing).nominal == 12_000_00  # not yet
    assert financing_changes_apply(day=later - datetime.timedelta(days=1)) == 0
    with transaction.atomic(durable=True):
        assert financing_changes_apply(day=later) == 1
    assert list(
        NominalBand.objects.filter(financing_program=world.financing).values_list(
            "age_min", "age_max", "nominal"
        )
    ) == [(5, 18, 20_000_00)]
    with transaction.atomic(durable=True):
        assert financing_changes_apply(day=later) == 0  # once


def test_raising_the_budget_funds_the_difference_through_the_ledger(world, operator):
    before = financing_reads.financing_budget_available(financing_program=world.financing)

    _change(world, operator, budget_cap=1_500_000_00)

    assert financing_reads.financing_budget_available(financing_program=world.financing) == (
        before + 500_000_00
    )
    world.financing.refresh_from_db()
    assert world.financing.budget_cap == 1_500_000_00


def test_the_budget_cannot_fall_below_what_certificates_were_credited(world, operator):
    _fund(world.child, world.financing)  # 12 000 credited

    with pytest.raises(ValidationError) as refused:
        _change(world, operator, budget_cap=10_000_00)

    assert "не меньше 12\xa0000,00\xa0₽" in refused.value.message_dict["budget_cap"][0]
    world.financing.refresh_from_db()
    assert world.financing.budget_cap == 1_000_000_00
    assert not FinancingProgramChange.objects.exists()
    # Down to exactly what was credited is allowed: the budget gives the rest back.
    _change(world, operator, budget_cap=12_000_00)
    assert financing_reads.financing_budget_available(financing_program=world.financing) == 0
    assert Transfer.objects.filter(kind=TransferKind.DEFUND, amount=988_000_00).exists()
    call_command("ledger", "check", stdout=io.StringIO())  # balances still their transfers


def test_the_quota_cannot_fall_below_the_funded_certificates(world, operator):
    _fund(world.child, world.financing)
    _fund(child_make(world.parent), world.financing)

    with pytest.raises(ValidationError) as refused:
        _change(world, operator, max_funded_certificates=1)

    assert "уже профинансированных (2)" in refused.value.message_dict["max_funded_certificates"][0]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((), "хотя бы одну возрастную группу"),
        (((5, 13, 10_000_00), (13, 18, 9_000_00)), "пересекаются"),
        (((4, 13, 10_000_00),), "от 5 до 18"),
        (((5, 13, 0),), "больше нуля"),
    ],
)
def test_bad_bands_are_refused_in_russian_and_nothing_is_saved(world, operator, bands, message):
    with pytest.raises(ValidationError) as refused:
        _change(world, operator, bands=bands)

    assert message in " ".join(refused.value.message_dict["bands"])
    assert not FinancingProgramChange.objects.exists()


def test_a_change_cannot_be_backdated_nor_the_dates_of_a_running_period_moved(world, operator):
    with pytest.raises(ValidationError) as refused:
        _change(
            world,
            operator,
            TODAY - datetime.timedelta(days=1),
            period_end=datetime.date(2027, 6, 30),
        )

    errors = refused.value.message_dict
    assert "задним числом" in errors["effective_from"][0]
    assert "уже начался" in errors["period_start"][0]


def test_nothing_changed_is_said_so(world, operator):
    with pytest.raises(ValidationError, match="Ничего не изменено"):
        _change(world, operator)


def test_the_budget_figures_beside_the_editor(world, operator):
    certificate = _fund(world.child, world.financing)
    assert certificate.status == CertificateStatus.FUNDED

    figures = financing_reads.financing_budget_figures(financing_program=world.financing)

    assert figures.cap == 1_000_000_00
    assert figures.committed == 12_000_00
    assert figures.left == 988_000_00
    assert figures.spent == 0
    assert (figures.quota, figures.funded_certificates, figures.quota_left) == (100, 1, 99)
    contract_made(world)  # a contract reserves, it does not spend
    assert financing_reads.financing_budget_figures(financing_program=world.financing).spent == 0
    assert Certificate.objects.count() == 1


def test_the_nightly_command_brings_in_the_changes_whose_day_has_come(
    world, operator, time_machine
):
    later = TODAY + datetime.timedelta(days=3)
    _change(world, operator, later, max_programs_per_child=1, billing_regime="monthly")
    out = io.StringIO()

    call_command("financing_changes_apply", stdout=out)
    assert "applied: 0" in out.getvalue()
    time_machine.move_to(datetime.datetime(2026, 10, 18, 3, 0, tzinfo=NOW.tzinfo), tick=False)
    call_command("financing_changes_apply", stdout=out)

    assert "applied: 2" in out.getvalue()
    world.financing.refresh_from_db()
    assert (world.financing.max_programs_per_child, world.financing.billing_regime) == (
        1,
        "monthly",
    )


def test_a_change_to_a_period_not_yet_started_applies_at_once(world, operator):
    following = financing_program_next_create(financing_program=world.financing, actor=operator)
    rules = financing_rules(financing_program=following)

    (change,) = financing_program_change(
        financing_program=following,
        rules=financing_rules_with(rules, bands=((5, 18, 25_000_00),)),
        effective_from=following.period_start,
        actor=operator,
        today=TODAY,
    )

    assert change.applied_at is not None
    assert list(following.nominal_bands.values_list("nominal", flat=True)) == [25_000_00]


def test_where_a_certificate_may_be_used_is_a_recorded_change_from_its_day(world, operator):
    later = TODAY + datetime.timedelta(days=5)
    (change,) = _change(world, operator, later, certificate_reach=CertificateReach.MUNICIPALITY)

    assert change.field == FinancingField.REACH
    assert (change.old_value, change.new_value) == (
        "У любого поставщика региона",
        "Только у поставщиков своего муниципалитета",
    )
    assert (change.changed_by, change.effective_from, change.applied_at) == (operator, later, None)
    assert AuditEvent.objects.filter(action="financing_program_change").count() == 1
    elsewhere = world_make()
    refusal = {
        "child_municipality_id": world.municipality.pk,
        "provider_municipality_id": elsewhere.municipality.pk,
        "day": later,
    }
    assert selectors.certificate_reach_refusal(**refusal) is None  # not before its day
    with transaction.atomic(durable=True):
        assert financing_changes_apply(day=later) == 1
    world.financing.refresh_from_db()
    assert world.financing.certificate_reach == CertificateReach.MUNICIPALITY
    assert "только у его поставщиков" in selectors.certificate_reach_refusal(**refusal)


def test_an_unknown_reach_is_refused_in_russian_and_nothing_is_saved(world, operator):
    with pytest.raises(ValidationError) as refused:
        _change(world, operator, certificate_reach="anywhere")

    assert (
        "у любого поставщика региона или только"
        in refused.value.message_dict["certificate_reach"][0]
    )
    assert not FinancingProgramChange.objects.exists()
    world.financing.refresh_from_db()
    assert world.financing.certificate_reach == CertificateReach.REGION


def test_funded_money_by_child_reads_only_funded_certificates(world, django_assert_num_queries):
    funded = _fund(world.child, world.financing)
    accounting = child_make(world.parent)
    with transaction.atomic(durable=True):
        services.certificate_issue(child=accounting)  # issued, not funded
    children = [world.child.pk, accounting.pk, child_make(world.parent).pk]  # the last: none

    with django_assert_num_queries(1):
        available = selectors.funded_available_by_child(child_ids=children)

    assert available == {world.child.pk: selectors.certificate_money(certificate=funded).available}
    assert available[world.child.pk] == 12_000_00


def test_the_funded_money_read_by_hand_is_the_orms(world):
    """certificates.money_sql against the ORM's query it replaced: the same rows, figures and
    types — a funded certificate with money reserved by a contract, an issued one, none."""
    _fund(world.child, world.financing)
    contract_made(world)  # reserves the course's certificate part
    issued = child_make(world.parent)
    with transaction.atomic(durable=True):
        services.certificate_issue(child=issued)
    children = [world.child.pk, issued.pk, child_make(world.parent).pk]

    by_hand = money_sql.funded_money_rows(child_ids=children)
    orm = Certificate.objects.filter(
        child_id__in=children, status=CertificateStatus.FUNDED
    ).values_list(
        "child_id", "account__credits_posted", "account__debits_posted", "account__debits_pending"
    )

    assert sorted(by_hand) == sorted(orm)
    assert [[type(figure) for figure in row] for row in by_hand] == [[int] * 4]
    assert by_hand[0][3] > 0  # the contract's reservation is read
    assert money_sql.funded_money_rows(child_ids=[]) == []
