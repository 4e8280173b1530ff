"""Scenes shared by the billing tests and the pages that show billed money (the cabinet)."""

import datetime

from kruzhok.accounts.models import Role
from kruzhok.attendance.lessons import lesson_cancel
from kruzhok.certificates.models import BillingRegime, FinancingProgram
from kruzhok.enrollment.tests.world import MOSCOW, contract_made, user_make, world_make

OCTOBER = datetime.date(2026, 10, 1)


def at(day: int, month: int, year: int = 2026, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=MOSCOW)


def monthly_scene(time_machine):
    """A 6 300 ₽ contract concluded on 15.10.2026 (a 5 000 ₽ certificate) under a financing
    program paying monthly, with the lesson of 27.10 cancelled (see test_monthly_regime);
    returns (world, contract, operator)."""
    time_machine.move_to(at(15, 10, hour=18), tick=False)
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
