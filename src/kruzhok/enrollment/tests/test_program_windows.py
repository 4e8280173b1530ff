"""The program page's enrolment windows read by hand (enrollment.program_windows) are the
ones the ORM reads: the program's own, and each of its groups' by group id."""

import datetime
import zoneinfo

from django.db.models import Q

from kruzhok.enrollment import program_windows, windows
from kruzhok.enrollment.models import EnrollmentWindow
from kruzhok.enrollment.selectors import enrollment_states_of_program
from kruzhok.enrollment.tests.world import group_make, program_make

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
OPENS = datetime.datetime(2026, 10, 20, 9, 0, tzinfo=MSK)


def _orm(program_id):
    """The ORM's reading of the same windows."""
    program_window, by_group = None, {}
    for window in EnrollmentWindow.objects.filter(
        Q(program_id=program_id) | Q(group__program_id=program_id)
    ):
        if window.group_id is not None:
            by_group[window.group_id] = window
        else:
            program_window = window
    return program_window, by_group


def _same(read, orm):
    if orm is None:
        assert read is None
        return
    for name in program_windows.WINDOW_FIELDS:
        assert getattr(read, name) == getattr(orm, name), name


def test_the_windows_read_by_hand_are_the_orms(world):
    other = group_make(world.program, world.teacher)
    elsewhere = group_make(program_make(world.provider), world.teacher)
    ids = [world.group.pk, other.pk]

    # No window at all, then the program's, then a group's own beside it.
    assert program_windows.enrollment_windows_of_program(
        program_id=world.program.pk, group_ids=ids
    ) == (None, {})
    windows.enrollment_window_open(actor=world.admin, program=world.program, at=OPENS)
    windows.enrollment_window_set(
        actor=world.admin, group=other, opens_at=None, closes_at=OPENS + datetime.timedelta(days=3)
    )
    windows.enrollment_window_open(actor=world.admin, group=elsewhere, at=OPENS)

    read_program, read_groups = program_windows.enrollment_windows_of_program(
        program_id=world.program.pk, group_ids=ids
    )
    orm_program, orm_groups = _orm(world.program.pk)
    assert read_program is not None
    _same(read_program, orm_program)
    assert set(read_groups) == set(orm_groups) == {other.pk}
    _same(read_groups[other.pk], orm_groups[other.pk])
    assert read_groups[other.pk].closes_at.tzinfo is not None


def test_a_program_page_without_groups_reads_its_programs_window_alone(world):
    windows.enrollment_window_open(actor=world.admin, program=world.program, at=OPENS)

    program_window, by_group = program_windows.enrollment_windows_of_program(
        program_id=world.program.pk, group_ids=[]
    )
    assert program_window is not None and program_window.opens_at == OPENS
    assert by_group == {}


def test_each_group_of_a_program_is_governed_by_its_own_window_else_the_programs(world):
    other = group_make(world.program, world.teacher)
    windows.enrollment_window_open(actor=world.admin, program=world.program, at=OPENS)
    windows.enrollment_window_open(actor=world.admin, group=other)

    states = enrollment_states_of_program(world.program.pk, [world.group, other])

    assert states[world.group.pk] == (False, "Запись откроется 20.10.2026 в 09:00")
    assert states[other.pk] == (True, "Запись открыта")
