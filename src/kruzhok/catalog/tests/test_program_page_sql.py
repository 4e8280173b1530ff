"""The program page's hand-written read (catalog.program_page_sql) reads what the ORM's
selectors read: the same program and provider, the same groups in the same order with the same
teachers, the same schedules and the same planned lessons' totals, so the same page."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import course_costs, program_page_sql, selectors
from kruzhok.catalog.models import Group, Lesson, LessonStatus, ProgramState, ScheduleSlot
from kruzhok.catalog.program_page import program_page_read
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _same(read, orm, names):
    for name in names:
        assert getattr(read, name) == getattr(orm, name), name
        assert type(getattr(read, name)) is type(getattr(orm, name)), name


@pytest.fixture
def program():
    """A program with a group that has begun and has a teacher, one that starts later on two
    classes of the same day, one without a schedule's Thursday lesson (cancelled), and one
    that has finished."""
    program = ProgramFactory.create(price_per_hour=120_00)
    today = timezone.localdate()
    teacher = UserFactory.create(
        role=Role.PROVIDER, last_name="Иванова", first_name="Анна", patronymic=""
    )
    begun = GroupFactory.create(
        program=program, name="Б", start_date=today - datetime.timedelta(days=40)
    )
    Group.objects.filter(pk=begun.pk).update(teacher=teacher)
    GroupFactory.create(
        program=program,
        name="А",
        start_date=today + datetime.timedelta(days=10),
        schedule=[(5, datetime.time(12, 0), 1), (5, datetime.time(10, 0), 2)],
    )
    cancelled = GroupFactory.create(program=program, name="В", start_date=today)
    first = Lesson.objects.filter(group=cancelled, date__gt=today).order_by("date").first()
    Lesson.objects.filter(pk=first.pk).update(status=LessonStatus.CANCELLED)
    finished = GroupFactory.create(
        program=program,
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=1),
    )
    assert finished.end_date < today
    return program


def test_the_program_read_by_hand_is_the_selectors_program_with_its_provider(program):
    today = timezone.localdate()
    read = program_page_sql.program_page_rows(pk=program.pk, today=today).program
    orm = selectors.program_get_published(pk=program.pk)

    _same(read, orm, program_page_sql.PROGRAM_FIELDS)
    _same(read.provider, orm.provider, program_page_sql.PROVIDER_FIELDS)
    assert read.is_free == orm.is_free


@pytest.mark.parametrize("hidden", ["draft", "provider blocked", "absent"])
def test_a_program_the_selectors_do_not_find_is_not_read_by_hand(hidden):
    if hidden == "draft":
        pk = ProgramFactory.create(state=ProgramState.DRAFT).pk
    elif hidden == "provider blocked":
        blocked = ProviderFactory.create(status=ProviderStatus.BLOCKED)
        pk = ProgramFactory.create(provider=blocked).pk
    else:
        pk = 10**9
    with pytest.raises(Http404):
        selectors.program_get_published(pk=pk)
    assert program_page_sql.program_page_rows(pk=pk, today=timezone.localdate()) is None
    with pytest.raises(Http404):
        program_page_read(pk=pk, today=timezone.localdate())


def test_the_groups_read_by_hand_are_the_selectors_running_groups_in_their_order(program):
    read_program, read, _, _ = program_page_sql.program_page_rows(
        pk=program.pk, today=timezone.localdate()
    )
    orm = list(selectors.group_list_for_program(program=program))

    assert [g.pk for g in read] == [g.pk for g in orm]
    assert [g.name for g in read] == ["Б", "В", "А"]
    for by_hand, through_orm in zip(read, orm, strict=True):
        _same(by_hand, through_orm, program_page_sql.GROUP_FIELDS)
        assert by_hand.program is read_program
        if through_orm.teacher is None:
            assert by_hand.teacher is None
        else:
            _same(by_hand.teacher, through_orm.teacher, program_page_sql.TEACHER_FIELDS)
            assert by_hand.teacher.full_name == through_orm.teacher.full_name == "Иванова Анна"


def test_a_program_without_running_groups_is_read_with_none():
    program = ProgramFactory.create()
    today = timezone.localdate()
    GroupFactory.create(
        program=program,
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=1),
    )

    read = program_page_sql.program_page_rows(pk=program.pk, today=today)

    assert read.program.pk == program.pk
    assert read.groups == [] and read.schedules == {} and read.lesson_totals == {}
    assert list(selectors.group_list_for_program(program=program)) == []


def test_the_schedules_and_lessons_read_by_hand_are_the_orms(program):
    today = timezone.localdate()
    groups = list(selectors.group_list_for_program(program=program))
    # A group without a schedule is read with its one row, an empty schedule and its totals.
    bare = GroupFactory.create(program=program, name="Г", start_date=today)
    ScheduleSlot.objects.filter(group=bare).delete()
    Lesson.objects.filter(group=bare).delete()
    Lesson.objects.create(group=bare, date=today, start_time=datetime.time(9, 0), hours=3)
    groups.append(bare)
    # Each group's planned lessons from the later of its start and today, counted by the
    # database as the ORM's rows count them: the cancelled one left out, the group that
    # starts later counted from its start (a lesson before it, as an edited start leaves,
    # not counted).
    later = next(group for group in groups if group.start_date > today)
    Lesson.objects.create(
        group=later,
        date=later.start_date - datetime.timedelta(days=3),
        start_time=datetime.time(9, 0),
        hours=2,
    )
    read = program_page_sql.program_page_rows(pk=program.pk, today=today)

    assert sorted(read.schedules) == sorted(g.pk for g in groups)
    for group in groups:
        orm = sorted(group.schedule.all(), key=lambda s: (s.weekday, s.start_time))
        assert [(s.pk, s.weekday, s.start_time, s.hours) for s in read.schedules[group.pk]] == [
            (s.pk, s.weekday, s.start_time, s.hours) for s in orm
        ]
        assert all(s.group_id == group.pk for s in read.schedules[group.pk])
    assert [s.start_time.hour for s in read.schedules[groups[2].pk]] == [10, 12]
    assert read.schedules[bare.pk] == []
    for group in groups:
        dates_hours = Lesson.objects.filter(
            group=group, date__gte=max(group.start_date, today), status=LessonStatus.PLANNED
        ).values_list("date", "hours")
        assert read.lesson_totals[group.pk] == (
            len(dates_hours),
            sum(hours for _, hours in dates_hours),
            len({(day.year, day.month) for day, _ in dates_hours}),
        )
        assert all(type(figure) is int for figure in read.lesson_totals[group.pk])
    assert read.lesson_totals[bare.pk] == (1, 3, 1)


def test_a_group_without_lessons_left_has_no_totals(program):
    today = timezone.localdate()
    empty = GroupFactory.create(program=program, name="Д", start_date=today)
    ScheduleSlot.objects.filter(group=empty).delete()
    Lesson.objects.filter(group=empty).delete()

    read = program_page_sql.program_page_rows(pk=program.pk, today=today)

    assert empty.pk in [g.pk for g in read.groups]
    assert empty.pk not in read.lesson_totals
    assert read.schedules[empty.pk] == []


def test_the_page_read_by_hand_shows_the_costs_the_selectors_compute(program):
    today = timezone.localdate()
    page = program_page_read(pk=program.pk, today=today)
    groups = list(selectors.group_list_for_program(program=program))

    assert [row.group.pk for row in page.groups] == [g.pk for g in groups]
    costs = course_costs.group_course_costs(groups=groups, today=today)
    for row in page.groups:
        assert row.cost == costs[row.group.pk]
        assert row.cost.lessons > 0
    # The cancelled lesson is not paid for.
    assert (
        page.groups[1].cost.lessons
        < Lesson.objects.filter(group=page.groups[1].group, date__gte=today).count()
    )
