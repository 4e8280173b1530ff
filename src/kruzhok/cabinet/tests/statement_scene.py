"""October 2026 of one child with two contracts, every figure computed by hand.

Contract A (robotics, as in billing/tests/test_month_close.py): a group meeting on Tuesdays and
Thursdays, two academic hours at 150 ₽ — 300 ₽ a lesson — concluded on Thursday 15.10.2026
with 21 lessons left: 6 300 ₽, of which the 5 000 ₽ certificate pays 5 000 ₽ and the family
1 300 ₽. The certificate's share of the attended value v so far is floor(v × 5 000 ÷ 6 300).

Contract B (watercolour, another provider): Wednesdays, one academic hour at 200 ₽, concluded
right after A, when the certificate had nothing left available: the family pays all of it.

The journal, each mark made on the lesson's day at 19:00:

| lesson     | contract | what happens                          | value  | certificate | family |
|------------|----------|---------------------------------------|--------|-------------|--------|
| 15.10 Thu  | A        | attended                              | 300,00 | 238,09      | 61,91  |
| 20.10 Tue  | A        | attended, then un-marked (reversed)   | —      | —           | —      |
| 21.10 Wed  | B        | attended                              | 200,00 | 0,00        | 200,00 |
| 22.10 Thu  | A        | cancelled by the teacher on 20.10     | —      | —           | —      |
| 27.10 Tue  | A        | attended                              | 300,00 | 238,10      | 61,90  |
| 28.10 Wed  | B        | attended                              | 200,00 | 0,00        | 200,00 |
| 29.10 Thu  | A        | attended                              | 300,00 | 238,09      | 61,91  |
| 03.11 Tue  | A        | attended (November: not in October)   | 300,00 | 238,10      | 61,90  |

A's shares: 15.10 floor(300 × 5000 ÷ 6300) = 238,09; 27.10 floor(600 × …) = 476,19 − 238,09
= 238,10; 29.10 floor(900 × …) = 714,28 − 476,19 = 238,09; 03.11 floor(1200 × …) = 952,38 −
714,28 = 238,10. The un-marked 20.10 was charged 238,10 and given back the same day.

October: A 900,00 / 714,28 / 185,72; B 400,00 / 0,00 / 400,00; the month 1 300,00 / 714,28 /
585,72. The certificate at 31.10: credited 5 000,00, spent 714,28 → balance 4 285,72, all of it
reserved for contract A, available 0,00.
"""

import datetime
from dataclasses import dataclass

from kruzhok.attendance.lessons import lesson_cancel
from kruzhok.attendance.services import attendance_mark
from kruzhok.catalog.models import Group
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.tests.world import (
    MOSCOW,
    World,
    contract_made,
    group_make,
    program_make,
    provider_make,
    world_make,
)

OCTOBER = datetime.date(2026, 10, 1)
NOVEMBER = datetime.date(2026, 11, 1)


def at(day: int, month: int = 10, hour: int = 19) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=MOSCOW)


@dataclass
class Scene:
    world: World
    robotics: Contract  # A
    watercolour: Contract  # B


def mark(contract: Contract, day: int, month: int = 10, present: bool = True) -> None:
    group = contract.application.group
    attendance_mark(
        actor=group.teacher,
        lesson=group.lessons.get(date=datetime.date(2026, month, day)),
        contract=contract,
        present=present,
    )


def _watercolour_group(world: World) -> tuple[Group, Contract]:
    provider, admin, teacher = provider_make(world.municipality)
    program = program_make(provider, title="Акварель", price_per_hour=200_00)
    group = group_make(program, teacher, schedule=[(2, datetime.time(16, 0), 1)])
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    contract = enrollment_services.contract_accept(parent=world.parent, application=application)
    return group, contract


def october_scene(time_machine) -> Scene:
    """The journal of the module's docstring; the clock is left on 05.11.2026, 12:00."""
    time_machine.move_to(at(15, hour=18), tick=False)
    world = world_make(nominal=5_000_00)
    robotics = contract_made(world)
    _, watercolour = _watercolour_group(world)
    mark(robotics, 15)
    time_machine.move_to(at(20), tick=False)
    mark(robotics, 20)
    mark(robotics, 20, present=False)
    lesson_cancel(
        actor=world.teacher,
        lesson=world.group.lessons.get(date=datetime.date(2026, 10, 22)),
        reason="Педагог болен",
    )
    time_machine.move_to(at(21), tick=False)
    mark(watercolour, 21)
    time_machine.move_to(at(27), tick=False)
    mark(robotics, 27)
    time_machine.move_to(at(28), tick=False)
    mark(watercolour, 28)
    time_machine.move_to(at(29), tick=False)
    mark(robotics, 29)
    time_machine.move_to(at(3, month=11), tick=False)
    mark(robotics, 3, month=11)
    time_machine.move_to(at(5, month=11, hour=12), tick=False)
    return Scene(world=world, robotics=robotics, watercolour=watercolour)
