"""The monthly statement, every figure against the hand-computed scene of `statement_scene`."""

import datetime

import pytest
from django.db.models import Sum

from kruzhok.billing.month_close import month_close
from kruzhok.cabinet.statements import child_statement, child_statement_months
from kruzhok.cabinet.tests.statement_scene import NOVEMBER, OCTOBER, at, mark, october_scene
from kruzhok.certificates.models import Transfer, TransferKind
from kruzhok.enrollment.tests.world import MOSCOW, contract_made, world_make

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 5)


@pytest.fixture
def scene(time_machine):
    return october_scene(time_machine)


def _rows(contract_statement):
    return [
        (
            line.lesson_date.day,
            line.hours,
            line.lesson_value,
            line.certificate_amount,
            line.parent_amount,
        )
        for line in contract_statement.lines
    ]


def test_each_contract_lists_its_charged_lessons_of_the_month_to_the_kopeck(scene):
    statement = child_statement(child=scene.world.child, month=OCTOBER, today=TODAY)

    watercolour, robotics = statement.contracts  # by program title: «Акварель», «Робототехника»
    assert robotics.contract == scene.robotics
    assert robotics.program.title == "Робототехника"
    assert robotics.provider == scene.world.provider
    assert robotics.group == scene.world.group
    # 20.10 was marked and un-marked, 22.10 cancelled, 03.11 belongs to November.
    assert _rows(robotics) == [
        (15, 2, 300_00, 238_09, 61_91),
        (27, 2, 300_00, 238_10, 61_90),
        (29, 2, 300_00, 238_09, 61_91),
    ]
    assert (robotics.lessons, robotics.hours) == (3, 6)
    assert (robotics.lesson_value, robotics.certificate_amount, robotics.parent_amount) == (
        900_00,
        714_28,
        185_72,
    )
    assert watercolour.contract == scene.watercolour
    assert watercolour.provider != scene.world.provider
    assert _rows(watercolour) == [(21, 1, 200_00, 0, 200_00), (28, 1, 200_00, 0, 200_00)]
    assert (watercolour.lesson_value, watercolour.certificate_amount) == (400_00, 0)
    assert watercolour.parent_amount == 400_00


def test_the_months_totals_add_up_over_contracts_and_lines(scene):
    statement = child_statement(child=scene.world.child, month=OCTOBER, today=TODAY)

    assert statement.name == "октябрь 2026"
    assert statement.lessons == 5
    assert statement.lesson_value == 1_300_00
    assert statement.certificate_amount == 714_28
    assert statement.parent_amount == 585_72
    lines = [line for c in statement.contracts for line in c.lines]
    assert statement.parent_amount == sum(line.parent_amount for line in lines)
    assert statement.certificate_amount == sum(line.certificate_amount for line in lines)
    assert statement.lesson_value == statement.certificate_amount + statement.parent_amount


def _ledger_certificate_total(certificate, first, following):
    """What the ledger moved off the certificate for lessons in a month: its charges (POST)
    minus their reversals, each made on its lesson's day in the scene."""
    start, end = (
        datetime.datetime.combine(day, datetime.time(), MOSCOW) for day in (first, following)
    )
    in_month = {"created_at__gte": start, "created_at__lt": end}
    posted = Transfer.objects.filter(
        kind=TransferKind.POST, debit_account__certificate=certificate, **in_month
    ).aggregate(s=Sum("amount"))["s"]
    reversed_ = Transfer.objects.filter(
        kind=TransferKind.REVERSE,
        reverses__kind=TransferKind.POST,
        credit_account__certificate=certificate,
        **in_month,
    ).aggregate(s=Sum("amount"))["s"]
    return posted, reversed_ or 0


def test_the_certificate_total_is_what_the_ledger_moved_for_the_month(scene):
    certificate = scene.world.child.certificate
    october = child_statement(child=scene.world.child, month=OCTOBER, today=TODAY)
    november = child_statement(child=scene.world.child, month=NOVEMBER, today=TODAY)

    posted, reversed_ = _ledger_certificate_total(certificate, OCTOBER, NOVEMBER)
    assert (posted, reversed_) == (952_38, 238_10)  # the un-marked 20.10 both ways
    assert october.certificate_amount == posted - reversed_
    posted, reversed_ = _ledger_certificate_total(certificate, NOVEMBER, datetime.date(2026, 12, 1))
    assert november.certificate_amount == posted - reversed_ == 238_10


def test_the_next_month_has_only_its_own_lesson(scene):
    statement = child_statement(child=scene.world.child, month=NOVEMBER, today=TODAY)

    (robotics,) = statement.contracts
    assert _rows(robotics) == [(3, 2, 300_00, 238_10, 61_90)]
    assert (statement.certificate_amount, statement.parent_amount) == (238_10, 61_90)
    assert statement.month_started
    assert not statement.month_over
    assert not statement.final


def test_a_month_not_begun_is_empty_and_not_started(scene):
    statement = child_statement(
        child=scene.world.child, month=datetime.date(2026, 12, 1), today=TODAY
    )

    assert statement.is_empty
    assert not statement.month_started
    assert statement.certificate.day == TODAY


def test_the_certificate_is_shown_as_it_stood_at_the_months_end(scene):
    october = child_statement(child=scene.world.child, month=OCTOBER, today=TODAY)
    november = child_statement(child=scene.world.child, month=NOVEMBER, today=TODAY)

    money = october.certificate
    assert money.day == datetime.date(2026, 10, 31)
    assert (money.balance, money.reserved, money.available) == (4_285_72, 4_285_72, 0)
    # The month under way: as of today, after the 03.11 lesson.
    money = november.certificate
    assert money.day == TODAY
    assert (money.balance, money.reserved, money.available) == (4_047_62, 4_047_62, 0)


def test_a_month_before_the_certificate_has_no_certificate_figures(scene):
    statement = child_statement(
        child=scene.world.child, month=datetime.date(2026, 9, 1), today=TODAY
    )

    assert statement.is_empty
    assert statement.certificate is None
    assert (statement.lessons, statement.certificate_amount, statement.parent_amount) == (0, 0, 0)


def test_the_months_with_charges_are_listed_newest_first(scene):
    months = child_statement_months(child=scene.world.child)

    assert [m.month for m in months] == [NOVEMBER, OCTOBER]
    assert [m.name for m in months] == ["ноябрь 2026", "октябрь 2026"]


def test_a_month_whose_only_charge_was_reversed_is_not_listed(time_machine):
    time_machine.move_to(at(15), tick=False)
    world = world_make()
    contract = contract_made(world)
    mark(contract, 15)
    mark(contract, 15, present=False)

    assert child_statement_months(child=world.child) == []
    assert child_statement(child=world.child, month=OCTOBER, today=at(15).date()).is_empty


def test_a_closed_month_is_final(scene):
    assert not child_statement(child=scene.world.child, month=OCTOBER, today=TODAY).final
    month_close(actor=None, municipality=scene.world.municipality, month=OCTOBER, today=TODAY)

    statement = child_statement(child=scene.world.child, month=OCTOBER, today=TODAY)
    assert statement.final
    assert statement.certificate_amount == 714_28
