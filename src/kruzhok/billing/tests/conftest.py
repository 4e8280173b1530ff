import pytest

from kruzhok.attendance.services import attendance_mark
from kruzhok.enrollment.tests.world import TODAY, contract_made


@pytest.fixture
def used(world):
    """A contract of the 2026/2027 period with one lesson attended and charged."""
    contract = contract_made(world)
    lesson = world.group.lessons.get(date=TODAY)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    contract.refresh_from_db()
    return contract
