import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kruzhok.catalog import course_costs, seats, selectors
from kruzhok.catalog.models import Direction, FinancingSource, ProgramState
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, WEDNESDAY = 0, 1, 2


def titles(programs) -> list[str]:
    return [p.title for p in programs]


# Text search -------------------------------------------------------------------------------


def test_robot_finds_robotics():
    ProgramFactory.create(title="Робототехника")
    ProgramFactory.create(title="Шахматы")

    assert titles(selectors.program_search(q="робот")) == ["Робототехника"]


def test_drawing_finds_a_program_described_as_teaching_to_draw():
    ProgramFactory.create(
        title="Юный художник", description="Занятия по обучению рисованию акварелью и гуашью."
    )
    ProgramFactory.create(title="Шахматы", description="Обучение игре в шахматы.")

    assert titles(selectors.program_search(q="рисование")) == ["Юный художник"]


def test_drawing_finds_academic_drawing():
    """«рисование» and «рисунок» differ in their Snowball stems but share a root."""
    ProgramFactory.create(title="Академический рисунок", description="Натюрморт и портрет.")
    ProgramFactory.create(title="Шахматы", description="Обучение игре в шахматы.")

    assert titles(selectors.program_search(q="рисование")) == ["Академический рисунок"]


def test_an_emoji_search_finds_nothing_rather_than_everything():
    ProgramFactory.create(title="Робототехника")

    assert titles(selectors.program_search(q="🤖")) == []
    assert titles(selectors.program_search(q="  ")) == ["Робототехника"]


def test_search_ignores_case_and_word_form():
    ProgramFactory.create(title="Шахматы")

    assert titles(selectors.program_search(q="шахматы")) == ["Шахматы"]
    assert titles(selectors.program_search(q="ШАХМАТАМИ")) == ["Шахматы"]


def test_a_stem_must_start_a_word_not_sit_inside_one():
    ProgramFactory.create(title="Робототехника")

    assert titles(selectors.program_search(q="техника")) == []


def test_every_word_of_the_query_must_match():
    ProgramFactory.create(title="Робототехника", description="Собираем роботов из конструктора.")

    assert titles(selectors.program_search(q="робот конструктор")) == ["Робототехника"]
    assert titles(selectors.program_search(q="робот танцы")) == []


def test_a_query_that_matches_nothing_returns_nothing():
    ProgramFactory.create(title="Робототехника")

    assert titles(selectors.program_search(q="фехтование")) == []


def test_the_providers_name_and_the_direction_are_searchable():
    ProgramFactory.create(
        title="Кружок 1",
        provider=ProviderFactory.create(short_name="Кванториум"),
        direction=Direction.TOURISM,
    )

    assert titles(selectors.program_search(q="кванториум")) == ["Кружок 1"]
    assert titles(selectors.program_search(q="туристско")) == ["Кружок 1"]


def test_programs_whose_title_matches_rank_first():
    ProgramFactory.create(title="Азбука конструирования", description="Строим роботов.")
    ProgramFactory.create(title="Роботы и механизмы", description="Занятия с наборами.")

    assert titles(selectors.program_search(q="робот")) == [
        "Роботы и механизмы",
        "Азбука конструирования",
    ]


# Who shows ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [ProgramState.DRAFT, ProgramState.MODERATING, ProgramState.RETURNED, ProgramState.ARCHIVED],
)
def test_an_unpublished_program_never_shows(state):
    ProgramFactory.create(title="Робототехника", state=state)

    assert titles(selectors.program_search()) == []
    assert titles(selectors.program_search(q="робот")) == []


@pytest.mark.parametrize(
    "status", [ProviderStatus.MODERATING, ProviderStatus.REJECTED, ProviderStatus.BLOCKED]
)
def test_a_program_of_a_provider_that_is_not_approved_never_shows(status):
    ProgramFactory.create(title="Робототехника", provider=ProviderFactory.create(status=status))

    assert titles(selectors.program_search(q="робот")) == []


def test_a_published_program_is_got_and_others_are_not_found():
    published = ProgramFactory.create()
    draft = ProgramFactory.create(state=ProgramState.DRAFT)
    blocked = ProgramFactory.create(provider=ProviderFactory.create(status=ProviderStatus.BLOCKED))

    assert selectors.program_get_published(pk=published.pk) == published
    from django.http import Http404

    for program in (draft, blocked):
        with pytest.raises(Http404):
            selectors.program_get_published(pk=program.pk)


# Filters -----------------------------------------------------------------------------------


def test_direction_filter():
    ProgramFactory.create(title="Робототехника", direction=Direction.TECHNICAL)
    ProgramFactory.create(title="Хор", direction=Direction.ARTS)

    assert titles(selectors.program_search(direction=Direction.ARTS)) == ["Хор"]


@pytest.mark.parametrize(
    ("age", "expected"),
    [(6, []), (7, ["Кружок"]), (10, ["Кружок"]), (14, ["Кружок"]), (15, [])],
)
def test_age_filter_includes_both_boundaries(age, expected):
    ProgramFactory.create(title="Кружок", age_min=7, age_max=14)

    assert titles(selectors.program_search(age=age)) == expected


def test_ovz_filter_keeps_programs_adapted_for_children_with_disabilities():
    ProgramFactory.create(title="Адаптированная", accessible_ovz=True)
    ProgramFactory.create(title="Обычная", accessible_ovz=False)

    assert titles(selectors.program_search(ovz_only=True)) == ["Адаптированная"]
    assert titles(selectors.program_search()) == ["Адаптированная", "Обычная"]


def test_financing_source_filter():
    ProgramFactory.create(title="Платный", financing_source=FinancingSource.PAID)
    ProgramFactory.create(title="По сертификату", financing_source=FinancingSource.CERTIFICATE)

    assert titles(selectors.program_search(financing_source=FinancingSource.PAID)) == ["Платный"]


def test_municipality_filter():
    from kruzhok.common.models import Municipality

    other = Municipality.objects.create(name="Город Будённовск")
    ProgramFactory.create(title="Здесь")
    ProgramFactory.create(title="Там", provider=ProviderFactory.create(municipality=other))

    assert titles(selectors.program_search(municipality_id=other.pk)) == ["Там"]


def test_price_filter_and_sort_by_price():
    ProgramFactory.create(title="Дорогой", price_per_hour=30_000)
    ProgramFactory.create(title="Дешёвый", price_per_hour=10_000)
    ProgramFactory.create(title="Средний", price_per_hour=20_000)

    assert titles(selectors.program_search(sort="price")) == ["Дешёвый", "Средний", "Дорогой"]
    assert titles(selectors.program_search(price_max=20_000, sort="price")) == [
        "Дешёвый",
        "Средний",
    ]


def test_sort_newest_first():
    ProgramFactory.create(title="Старая")
    ProgramFactory.create(title="Новая")

    assert titles(selectors.program_search(sort="newest")) == ["Новая", "Старая"]


def test_weekday_filter_finds_programs_with_a_class_on_that_day():
    GroupFactory.create(
        program=ProgramFactory.create(title="По вторникам"),
        schedule=[(TUESDAY, datetime.time(15), 2)],
    )
    GroupFactory.create(
        program=ProgramFactory.create(title="По средам"),
        schedule=[(WEDNESDAY, datetime.time(15), 2)],
    )

    assert titles(selectors.program_search(weekday=TUESDAY)) == ["По вторникам"]
    assert titles(selectors.program_search(weekday=MONDAY)) == []


def test_free_seats_count_open_unfinished_groups_only():
    program = ProgramFactory.create(title="Кружок")
    full = GroupFactory.create(program=program, capacity=2)
    seats.group_seat_take(group_id=full.pk)
    GroupFactory.create(program=program, capacity=5)
    GroupFactory.create(program=program, capacity=7, enrollment_open=False)
    today = timezone.localdate()
    GroupFactory.create(
        program=program,
        capacity=9,
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=1),
    )

    (found,) = selectors.program_search()

    assert found.free_seats == 1 + 5
    assert found.group_count == 3


def test_free_seats_filter_leaves_out_full_programs_and_programs_without_groups():
    full = GroupFactory.create(program=ProgramFactory.create(title="Полная"), capacity=1)
    seats.group_seat_take(group_id=full.pk)
    GroupFactory.create(program=ProgramFactory.create(title="Есть места"), capacity=1)
    ProgramFactory.create(title="Без групп")

    assert titles(selectors.program_search(free_seats_only=True)) == ["Есть места"]
    assert len(selectors.program_search()) == 3


def test_the_search_is_one_query_however_many_programs_and_groups():
    for n in range(5):
        GroupFactory.create(program=ProgramFactory.create(title=f"Робототехника {n}"))

    with CaptureQueriesContext(connection) as queries:
        programs = list(selectors.program_search(q="робот", free_seats_only=True, sort="price"))
        for program in programs:
            _ = (program.provider.short_name, program.free_seats, program.group_count)

    assert len(programs) == 5
    assert len(queries) == 1


# Groups and lessons ------------------------------------------------------------------------


def test_group_list_loads_teacher_and_schedule_without_more_queries():
    program = ProgramFactory.create()
    GroupFactory.create(program=program)
    GroupFactory.create(program=program)

    groups = list(selectors.group_list_for_program(program=program))
    with CaptureQueriesContext(connection) as queries:
        for group in groups:
            _ = (group.teacher, list(group.schedule.all()))

    assert len(groups) == 2
    assert len(queries) == 0


def test_lesson_list_is_limited_to_the_given_dates():
    group = GroupFactory.create(
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 9, 30),
        schedule=[(TUESDAY, datetime.time(15), 2)],
    )

    lessons = selectors.lesson_list_for_group(
        group=group, date_from=datetime.date(2026, 9, 8), date_to=datetime.date(2026, 9, 22)
    )

    assert [lesson.date.day for lesson in lessons] == [8, 15, 22]


def test_the_course_costs_of_a_programs_groups_read_at_once_equal_each_groups_own():
    program = ProgramFactory.create(price_per_hour=150_00)
    today = timezone.localdate()
    started = GroupFactory.create(program=program, start_date=today - datetime.timedelta(days=30))
    later = GroupFactory.create(program=program, start_date=today + datetime.timedelta(days=20))
    other = GroupFactory.create(start_date=today)
    groups = [started, later, other]

    with CaptureQueriesContext(connection) as queries:
        together = course_costs.group_course_costs(groups=groups, today=today)
    assert len([q for q in queries.captured_queries if "catalog_lesson" in q["sql"]]) == 1

    for group in groups:
        alone = course_costs.group_course_cost(group=group, today=today)
        assert together[group.pk] == alone
        assert alone.lessons > 0
    assert together[started.pk].start_date == today
    assert together[later.pk].start_date == later.start_date
    # The group that has begun is counted from today, not from its first lesson.
    from kruzhok.catalog.models import Lesson

    assert (
        together[started.pk].lessons
        == Lesson.objects.filter(group=started, date__gte=today).count()
    )
    assert together[started.pk].lessons < Lesson.objects.filter(group=started).count()
