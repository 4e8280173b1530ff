import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import seats, services
from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    Group,
    Lesson,
    LessonStatus,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import StaffRole
from kruzhok.providers.tests.data import SBER_ACCOUNT, SBER_BIK, SBER_CORR
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


# Programs ----------------------------------------------------------------------------------


def program_kwargs(provider, **overrides):
    values = {
        "provider": provider,
        "title": "Робототехника",
        "description": "Собираем и программируем роботов.",
        "direction": Direction.TECHNICAL,
        "age_min": 8,
        "age_max": 14,
        "duration_months": 9,
        "hours_per_week": 4,
        "price_per_hour": 15_000,
        "financing_source": FinancingSource.CERTIFICATE,
        "address": "г. Нефтекумск, ул. Ленина, 1",
    }
    values.update(overrides)
    return values


def test_a_program_is_created_as_a_draft_with_its_search_document():
    provider = ProviderFactory.create(short_name="Станция юных техников")

    program = services.program_create(**program_kwargs(provider))

    assert program.state == ProgramState.DRAFT
    assert " робототехник " in program.search_document
    assert " станц " in program.search_document  # the provider's name
    assert " техническ " in program.search_document  # the direction
    assert program.title_document == " робототехник "


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"age_min": 4}, "age_min"),
        ({"age_max": 19}, "age_max"),
        ({"age_min": 12, "age_max": 10}, "age_max"),
        ({"price_per_hour": -1}, "price_per_hour"),
        ({"price_per_hour": 150.5}, "price_per_hour"),
        ({"duration_months": 0}, "duration_months"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"title": "  "}, "title"),
        ({"direction": "cooking"}, "direction"),
        ({"financing_source": "cash"}, "financing_source"),
    ],
)
def test_a_program_with_a_wrong_value_is_refused_next_to_its_field(overrides, field):
    provider = ProviderFactory.create()

    with pytest.raises(ValidationError) as exc_info:
        services.program_create(**program_kwargs(provider, **overrides))

    assert field in exc_info.value.message_dict


def test_the_age_boundaries_5_and_18_are_allowed():
    program = services.program_create(
        **program_kwargs(ProviderFactory.create(), age_min=5, age_max=18)
    )

    assert (program.age_min, program.age_max) == (5, 18)


def test_a_free_program_may_cost_zero():
    program = services.program_create(
        **program_kwargs(
            ProviderFactory.create(), price_per_hour=0, financing_source=FinancingSource.BUDGET
        )
    )

    assert program.price_per_hour == 0


def test_updating_a_program_keeps_its_search_document_in_step():
    program = ProgramFactory.create(title="Робототехника", description="Роботы.")

    services.program_update(program=program, title="Шахматы", description="Дебюты и эндшпиль.")

    program.refresh_from_db()
    assert " шахмат " in program.search_document
    assert " дебют " in program.search_document
    assert " робототехник " not in program.search_document
    assert program.title_document == " шахмат "


def test_an_update_is_checked_like_a_creation_and_saves_nothing_when_refused():
    program = ProgramFactory.create(age_min=7, age_max=14)

    with pytest.raises(ValidationError):
        services.program_update(program=program, age_min=16)

    program.refresh_from_db()
    assert program.age_min == 7


def test_an_update_cannot_change_the_state_or_the_provider():
    program = ProgramFactory.create(state=ProgramState.DRAFT)

    with pytest.raises(TypeError):
        services.program_update(program=program, state=ProgramState.PUBLISHED)


def test_publishing_a_program_makes_it_published():
    program = ProgramFactory.create(state=ProgramState.DRAFT)

    services.program_publish(program=program)

    program.refresh_from_db()
    assert program.state == ProgramState.PUBLISHED


def test_renaming_a_provider_reaches_the_search_documents_of_its_programs():
    program = ProgramFactory.create()
    provider = program.provider
    provider.short_name = "Кванториум"
    provider.save()

    assert services.provider_search_refresh(provider=provider) == 1

    program.refresh_from_db()
    assert " кванториум " in program.search_document


def test_a_provider_renamed_in_its_profile_is_found_by_the_new_name(world):
    provider_services.provider_profile_update(
        actor=world.admin,
        provider=world.provider,
        short_name="Кванториум",
        bank_name="ПАО Сбербанк",
        bik=SBER_BIK,
        settlement_account=SBER_ACCOUNT,
        correspondent_account=SBER_CORR,
        email="info@kvantorium.ru",
        phone="+7 865 582-00-00",
    )

    world.program.refresh_from_db()
    assert " кванториум " in world.program.search_document


# Groups and lessons ------------------------------------------------------------------------

TUESDAY, WEDNESDAY, THURSDAY, SATURDAY = 1, 2, 3, 5


def test_a_group_is_created_with_its_schedule_and_lessons():
    program = ProgramFactory.create()

    group = services.group_create(
        program=program,
        name="Группа 1",
        capacity=15,
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 9, 30),
        schedule=[(TUESDAY, datetime.time(15), 2), (THURSDAY, datetime.time(15), 2)],
    )

    assert ScheduleSlot.objects.filter(group=group).count() == 2
    dates = list(group.lessons.values_list("date", flat=True))
    # September 2026: Tuesdays 1, 8, 15, 22, 29 and Thursdays 3, 10, 17, 24.
    assert len(dates) == 9
    assert dates[0] == datetime.date(2026, 9, 1)
    assert set(group.lessons.values_list("hours", flat=True)) == {2}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"end_date": datetime.date(2026, 8, 31)}, "end_date"),
        ({"schedule": []}, "schedule"),
        ({"schedule": [(7, datetime.time(15), 2)]}, "schedule"),
        ({"schedule": [(TUESDAY, datetime.time(15), 9)]}, "schedule"),
        ({"schedule": [(TUESDAY, datetime.time(15), 2)] * 2}, "schedule"),
        ({"name": ""}, "name"),
    ],
)
def test_a_group_with_a_wrong_value_is_refused_next_to_its_field(overrides, field):
    values: dict[str, Any] = {
        "program": ProgramFactory.create(),
        "name": "Группа 1",
        "capacity": 10,
        "start_date": datetime.date(2026, 9, 1),
        "end_date": datetime.date(2027, 5, 31),
        "schedule": [(TUESDAY, datetime.time(15), 2)],
    }
    values.update(overrides)

    with pytest.raises(ValidationError) as exc_info:
        services.group_create(**values)

    assert field in exc_info.value.message_dict
    assert not Group.objects.exists()


def test_a_teacher_must_work_for_the_programs_provider():
    program = ProgramFactory.create()
    outsider = UserFactory.create()

    with pytest.raises(ValidationError) as exc_info:
        GroupFactory.create(program=program, teacher=outsider)
    assert "teacher" in exc_info.value.message_dict

    provider_services.provider_staff_add(
        provider=program.provider, user=outsider, role=StaffRole.TEACHER
    )
    assert GroupFactory.create(program=program, teacher=outsider).teacher == outsider


def holiday_group():
    """Every day of the week at 10:00, from 1 November 2026 to 15 January 2027."""
    return GroupFactory.create(
        start_date=datetime.date(2026, 11, 1),
        end_date=datetime.date(2027, 1, 15),
        schedule=[(weekday, datetime.time(10), 1) for weekday in range(7)],
    )


def test_lessons_skip_unity_day_and_the_new_year_holidays():
    group = holiday_group()

    dates = set(group.lessons.values_list("date", flat=True))

    assert datetime.date(2026, 11, 4) not in dates
    for day in range(1, 9):
        assert datetime.date(2027, 1, day) not in dates
    assert datetime.date(2026, 11, 3) in dates
    assert datetime.date(2026, 11, 5) in dates
    assert datetime.date(2027, 1, 9) in dates


def test_lessons_keep_within_the_groups_dates():
    group = holiday_group()

    dates = list(group.lessons.values_list("date", flat=True))

    assert min(dates) == datetime.date(2026, 11, 1)
    assert max(dates) == datetime.date(2027, 1, 15)


def test_generating_lessons_twice_creates_nothing_new():
    group = holiday_group()
    count = group.lessons.count()

    assert services.lessons_generate(group=group) == 0
    assert group.lessons.count() == count


def test_generation_keeps_a_cancelled_lesson_cancelled_and_fills_a_new_slot():
    group = GroupFactory.create(
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 9, 30),
        schedule=[(TUESDAY, datetime.time(15), 2)],
    )
    Lesson.objects.filter(group=group, date=datetime.date(2026, 9, 8)).update(
        status=LessonStatus.CANCELLED
    )
    ScheduleSlot.objects.create(
        group=group, weekday=SATURDAY, start_time=datetime.time(11), hours=1
    )

    created = services.lessons_generate(group=group)

    assert created == 4  # Saturdays 5, 12, 19, 26 September
    assert group.lessons.get(date=datetime.date(2026, 9, 8)).status == LessonStatus.CANCELLED
    assert group.lessons.count() == 5 + 4


# Seats -------------------------------------------------------------------------------------


def test_taking_seats_stops_exactly_at_capacity():
    group = GroupFactory.create(capacity=2)

    taken = [seats.group_seat_take(group_id=group.pk) for _ in range(3)]

    assert taken == [True, True, False]
    group.refresh_from_db()
    assert group.seats_taken == 2


def test_a_released_seat_can_be_taken_again():
    group = GroupFactory.create(capacity=1)
    assert seats.group_seat_take(group_id=group.pk)

    seats.group_seat_release(group_id=group.pk)

    assert seats.group_seat_take(group_id=group.pk)


def test_releasing_a_seat_that_was_not_taken_raises_and_never_goes_below_zero():
    group = GroupFactory.create()

    with pytest.raises(seats.NothingToRelease):
        seats.group_seat_release(group_id=group.pk)

    group.refresh_from_db()
    assert group.seats_taken == 0


def test_the_database_refuses_more_seats_taken_than_capacity_even_by_a_raw_update():
    group = GroupFactory.create(capacity=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(seats_taken=F("capacity") + 1)

    group.refresh_from_db()
    assert group.seats_taken == 0


def test_the_database_refuses_a_capacity_below_the_seats_taken():
    group = GroupFactory.create(capacity=3)
    seats.group_seat_take(group_id=group.pk)
    seats.group_seat_take(group_id=group.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.filter(pk=group.pk).update(capacity=1)
