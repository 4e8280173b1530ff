"""The scene of the period tests (test_periods, test_period_preview, test_period_views): the
world's financing period 01.09.2026–31.08.2027 (see enrollment.tests.world: a nominal of
12 000 ₽ for a 10-year-old, lessons of two academic hours at 150 ₽ on Tuesdays and Thursdays),
the day after it ended, and the period that follows it."""

import datetime

from kruzhok.certificates import services
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import FinancingProgram
from kruzhok.enrollment.tests.world import MOSCOW, contract_made, group_make

NOMINAL = 12_000_00  # the world's nominal for a 10-year-old
LESSON = 2 * 150_00  # two academic hours at 150 ₽
AFTER = datetime.date(2027, 9, 2)  # the 2026/2027 period ended on 31.08.2027
NEXT_START = datetime.date(2027, 9, 1)


def audit_is_clean() -> bool:
    return all(result.ok for result in ledger_audit())


def move_to(time_machine, day: datetime.date) -> None:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(10, 0), MOSCOW), tick=False)


def next_program(world, **overrides) -> FinancingProgram:
    options = {
        "municipality": world.municipality,
        "title": "ПФДО 2027/2028",
        "period_start": NEXT_START,
        "period_end": datetime.date(2028, 8, 31),
        "max_funded_certificates": 100,
        "budget_cap": 1_000_000_00,
        "nominal_bands": [(5, 13, 13_000_00), (14, 18, 10_000_00)],
    }
    options.update(overrides)
    return services.financing_program_create(**options)


def enrol_next_year(world, child=None):
    """A group of the next period and a contract in it, concluded on its first day."""
    group = group_make(
        world.program,
        world.teacher,
        start=NEXT_START,
        end=datetime.date(2027, 12, 23),
    )
    return contract_made(world, child=child, group=group)
