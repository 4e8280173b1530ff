"""Regime `monthly`: each month of a contract is charged by the month close, its lessons'
value prorated by the days the contract was in force, attendance notwithstanding.

The scene is billing/tests/test_month_close.py's: 300 ₽ lessons on Tuesdays and Thursdays until
24.12.2026, a contract concluded on 15.10.2026 for 21 lessons — 6 300 ₽, of which the
certificate pays 5 000 ₽ — under a financing program that pays monthly. In kopecks:

- October: 9 lessons in the month, 27.10 cancelled → 8 × 30 000 = 240 000, in force 17 of 31
  days → 240 000 × 17 // 31 = 131 612; the certificate floor(131 612 × 500 000 ÷ 630 000) =
  104 453, the family 27 159.
- November: 8 lessons, all 30 days → 240 000; so far 371 612 → floor(… ÷ 630 000) = 294 930,
  the certificate 294 930 − 104 453 = 190 477, the family 49 523.
- December, the contract's last month: what is left of 630 000, 258 388; the certificate
  500 000 − 294 930 = 205 070, the family 53 318. Over the contract: 500 000 and 130 000, its
  two parts to the kopeck.
"""

import datetime

import pytest

from kruzhok.accounts.models import Role
from kruzhok.attendance.lessons import lesson_cancel
from kruzhok.attendance.services import attendance_mark
from kruzhok.billing.models import Invoice, InvoiceLine, MonthClosure
from kruzhok.billing.month_close import month_close, month_close_run
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import BillingRegime, FinancingProgram
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import MOSCOW, contract_made, user_make, world_make

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER, DECEMBER = (datetime.date(2026, m, 1) for m in (10, 11, 12))


def _at(day: int, month: int, year: int = 2026, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=MOSCOW)


@pytest.fixture
def monthly(time_machine):
    time_machine.move_to(_at(15, 10, hour=18), tick=False)
    world = world_make(nominal=5_000_00)
    FinancingProgram.objects.filter(pk=world.financing.pk).update(
        billing_regime=BillingRegime.MONTHLY
    )
    contract = contract_made(world)
    lesson_cancel(
        actor=world.teacher,
        lesson=world.group.lessons.get(date=datetime.date(2026, 10, 27)),
        reason="Педагог на курсах",
    )
    operator = user_make(Role.OPERATOR, world.municipality)
    return world, contract, operator


def _line(month: datetime.date) -> InvoiceLine:
    return InvoiceLine.objects.get(invoice__closure__month=month)


def test_each_month_is_charged_by_the_close_and_the_contract_adds_up_to_its_parts(
    monthly, time_machine
):
    world, contract, operator = monthly
    assert contract.billing_regime == BillingRegime.MONTHLY
    assert (contract.total_cost, contract.certificate_part) == (6_300_00, 5_000_00)
    # Attendance does not matter: a mark charges nothing.
    attendance_mark(
        actor=world.teacher,
        lesson=world.group.lessons.get(date=datetime.date(2026, 10, 15)),
        contract=contract,
        present=True,
    )
    assert not Charge.objects.exists()

    for month, moment in (
        (OCTOBER, _at(5, 11)),
        (NOVEMBER, _at(3, 12)),
        (DECEMBER, _at(11, 1, 2027)),
    ):
        time_machine.move_to(moment, tick=False)
        month_close(actor=operator, municipality=world.municipality, month=month)

    october, november, december = _line(OCTOBER), _line(NOVEMBER), _line(DECEMBER)
    assert (october.certificate_amount, october.parent_amount) == (104_453, 27_159)
    assert (november.certificate_amount, november.parent_amount) == (190_477, 49_523)
    assert (december.certificate_amount, december.parent_amount) == (205_070, 53_318)
    assert october.lessons_planned == 4  # 15, 20, 22 and 29.10 in force; 27.10 cancelled
    assert october.lessons_attended == 0  # paid by the month, attendance notwithstanding
    assert sum(line.certificate_amount for line in (october, november, december)) == 5_000_00
    assert sum(line.parent_amount for line in (october, november, december)) == 1_300_00
    contract.hold.refresh_from_db()
    assert (contract.hold.posted, contract.hold.remaining) == (5_000_00, 0)
    assert Invoice.objects.count() == 3
    assert all(result.ok for result in ledger_audit())


def test_closing_a_month_again_does_not_charge_it_twice(monthly, time_machine):
    world, _, operator = monthly
    time_machine.move_to(_at(5, 11), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    month_close_run(closure_id=MonthClosure.objects.get().pk)
    assert Charge.objects.filter(month=OCTOBER).count() == 1


def test_a_withdrawal_keeps_in_reserve_what_the_uncharged_month_will_cost(monthly, time_machine):
    """Withdrawn from 10.11: November is in force 9 of 30 days, 240 000 × 9 // 30 = 72 000;
    so far 131 612 + 72 000 = 203 612 → floor(… ÷ 630 000) = 161 596, so 161 596 − 104 453 =
    57 143 stays reserved and the rest goes back to the certificate at once; November's close
    then charges exactly that."""
    world, contract, operator = monthly
    time_machine.move_to(_at(5, 11), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    time_machine.move_to(_at(10, 11), tick=False)
    enrollment_services.contract_withdraw(
        actor=world.parent,
        application=contract.application,
        on=datetime.date(2026, 11, 10),
        reason="Переезд",
    )
    contract.hold.refresh_from_db()
    assert contract.hold.remaining == 57_143
    time_machine.move_to(_at(3, 12), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=NOVEMBER)
    november = _line(NOVEMBER)
    assert (november.certificate_amount, november.parent_amount) == (57_143, 72_000 - 57_143)
    contract.hold.refresh_from_db()
    assert contract.hold.remaining == 0
    assert all(result.ok for result in ledger_audit())
