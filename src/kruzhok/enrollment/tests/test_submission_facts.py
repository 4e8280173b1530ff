"""The one-statement reading behind a submission agrees with the ORM's (submission_orm.py) in
every case below, and with the selectors that answer the same questions elsewhere."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kruzhok.catalog.models import FinancingSource
from kruzhok.certificates.models import FinancingProgram
from kruzhok.certificates.services import financing_program_current
from kruzhok.enrollment import services, windows
from kruzhok.enrollment import submission_facts as by_hand
from kruzhok.enrollment.selectors import enrollment_window_for_group
from kruzhok.enrollment.tests import submission_orm
from kruzhok.enrollment.tests.world import (
    TODAY,
    child_make,
    group_make,
    program_make,
    user_make,
)

OPENS = datetime.datetime(2026, 10, 20, 9, 0, tzinfo=datetime.UTC)
CLOSES = datetime.datetime(2026, 11, 1, 6, 30, 15, 123456, tzinfo=datetime.UTC)


def _values(instance, fields):
    return None if instance is None else {name: getattr(instance, name) for name in fields}


def _agree(read, orm):
    """The hand-written reading equals the ORM's, field by field and fact by fact."""
    assert (read is None) == (orm is None)
    if read is None:
        return
    for fields, ours, theirs in (
        (by_hand.GROUP_FIELDS, read.group, orm.group),
        (by_hand.PROGRAM_FIELDS, read.group.program, orm.group.program),
        (by_hand.PROVIDER_FIELDS, read.group.program.provider, orm.group.program.provider),
        (by_hand.CHILD_FIELDS, read.child, orm.child),
        (by_hand.WINDOW_FIELDS, read.window, orm.window),
    ):
        assert _values(ours, fields) == _values(theirs, fields)
    facts = (
        "is_guardian",
        "status_here",
        "applied_in_program",
        "other_certificate_programs",
        "programs_limit",
    )
    assert [getattr(read, fact) for fact in facts] == [getattr(orm, fact) for fact in facts]


def _facts(world, *, group=None, child=None, user=None, today=TODAY):
    """The facts read by hand, once checked against the ORM's reading."""
    question = {
        "user_id": (user or world.parent).pk,
        "child_id": (child or world.child).pk,
        "group_id": (group or world.group).pk,
        "today": today,
    }
    read = by_hand.submission_facts(**question)
    _agree(read, submission_orm.submission_facts(**question))
    return read


def test_the_group_program_provider_and_child_are_read_as_stored(world):
    facts = _facts(world)
    assert (facts.group.pk, facts.group.capacity, facts.group.start_date) == (
        world.group.pk,
        world.group.capacity,
        world.group.start_date,
    )
    assert facts.group.auto_accept is world.group.auto_accept
    assert facts.group.program.title == world.program.title
    assert facts.group.program.provider.short_name == world.provider.short_name
    assert facts.child.birth_date == world.child.birth_date
    assert facts.child.initials_name == world.child.initials_name
    # A field the statement does not read is loaded on demand, never made up.
    assert facts.group.program.description == world.program.description


def test_a_missing_group_or_child_gives_nothing(world):
    assert _facts(world, group=type(world.group)(pk=10**9)) is None
    assert _facts(world, child=type(world.child)(pk=10**9)) is None


def test_another_familys_child_is_not_ones_own(world):
    assert _facts(world).is_guardian
    assert not _facts(world, user=user_make()).is_guardian


def test_the_governing_window_is_the_one_the_selector_finds(world):
    other = group_make(world.program, world.teacher)
    assert _facts(world).window is None
    windows.enrollment_window_set(
        actor=world.admin, program=world.program, opens_at=OPENS, closes_at=CLOSES
    )
    for group in (world.group, other):
        read = _facts(world, group=group).window
        assert read == enrollment_window_for_group(group=group)
        assert (read.opens_at, read.closes_at) == (OPENS, CLOSES)
        assert timezone.is_aware(read.opens_at)
    windows.enrollment_window_close(actor=world.admin, group=world.group)
    own = _facts(world).window
    assert own == enrollment_window_for_group(group=world.group) and own.group_id is not None
    assert _facts(world, group=other).window.program_id == world.program.pk


def test_the_programs_limit_is_the_financing_program_in_force(world):
    assert _facts(world).programs_limit == 3
    assert financing_program_current(municipality=world.municipality, day=TODAY).pk == (
        world.financing.pk
    )
    before = world.financing.period_start - datetime.timedelta(days=1)
    assert _facts(world, today=before).programs_limit is None
    assert financing_program_current(municipality=world.municipality, day=before) is None
    FinancingProgram.objects.filter(pk=world.financing.pk).update(closed_at=timezone.now())
    assert _facts(world).programs_limit is None


def test_other_programs_count_live_certificate_applications_by_program(world):
    assert _facts(world).other_certificate_programs == 0
    second_group = group_make(world.program, world.teacher)
    chess = group_make(program_make(world.provider, title="Шахматы"), world.teacher)
    paid = group_make(
        program_make(world.provider, financing_source=FinancingSource.PAID), world.teacher
    )
    for group in (world.group, chess, paid):
        services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=group.pk)
    # Another group of a program the child has applied to adds no program; the paid one
    # does not count; a submitted (not yet accepted) application does.
    facts = _facts(world, group=second_group)
    assert facts.other_certificate_programs == 1
    assert facts.status_here is None
    assert facts.applied_in_program
    assert (
        _facts(
            world, group=group_make(program_make(world.provider), world.teacher)
        ).other_certificate_programs
        == 2
    )
    assert _facts(world).status_here is not None
    assert not _facts(world).applied_in_program
    sister = child_make(world.parent)
    assert _facts(world, child=sister).other_certificate_programs == 0


def test_the_recount_under_the_childs_lock_agrees_with_the_orm(world):
    chess = group_make(program_make(world.provider, title="Шахматы"), world.teacher)
    for group in (world.group, chess):
        services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=group.pk)
    for program in (world.program, chess.program, program_make(world.provider)):
        question = {"child_id": world.child.pk, "program_id": program.pk}
        with transaction.atomic():
            counted = by_hand.other_certificate_programs_locked(**question)
        with transaction.atomic():
            assert counted == submission_orm.other_certificate_programs_locked(**question)
        assert counted == (1 if program in (world.program, chess.program) else 2)


@pytest.mark.postgres
def test_the_childs_row_is_locked_by_hand_as_the_orm_locks_it(world):
    statements = []
    for lock in (by_hand.child_row_lock, submission_orm.child_row_lock):
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            lock(child_id=world.child.pk)
        (select,) = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        statements.append(select)
    assert all(sql.endswith(" FOR UPDATE") for sql in statements), statements
