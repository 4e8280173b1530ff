import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import groups
from kruzhok.catalog.lessons import lessons_generate
from kruzhok.catalog.models import Group, Lesson, ScheduleSlot
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import StaffRole

pytestmark = pytest.mark.django_db

TUESDAY, WEDNESDAY, THURSDAY, SATURDAY = 1, 2, 3, 5


def test_a_group_is_created_with_its_schedule_and_lessons():
    program = ProgramFactory.create()

    group = groups.group_create(
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
        ({"capacity": 501}, "capacity"),
        ({"capacity": 10**30}, "capacity"),
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
        groups.group_create(**values)

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


# Bounds (issue 12, findings 2 and 8) ---------------------------------------------------------

TODAY = datetime.date(2026, 11, 29)


def _create(**overrides: Any) -> Group:
    values: dict[str, Any] = {
        "program": ProgramFactory.create(),
        "name": "Группа 1",
        "capacity": 10,
        "start_date": datetime.date(2026, 9, 1),
        "end_date": datetime.date(2027, 5, 31),
        "schedule": [(day, datetime.time(8 + hour), 1) for day in range(7) for hour in (0, 1)],
        "today": TODAY,
    }
    values.update(overrides)
    return groups.group_create(**values)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_date": datetime.date(1900, 1, 1)}, "start_date", "с 01.01.2000 по 31.08.2029"),
        ({"end_date": datetime.date(2999, 12, 31)}, "end_date", "не позже 31.08.2029"),
        ({"end_date": datetime.date(9999, 12, 31)}, "end_date", "не позже 31.08.2029"),
        (
            {"start_date": datetime.date(2026, 9, 1), "end_date": datetime.date(2027, 9, 2)},
            "end_date",
            "не дольше года: окончание — не позже 01.09.2027",
        ),
    ],
)
def test_group_dates_out_of_range_are_refused_and_make_no_lessons(overrides, field, message):
    with pytest.raises(ValidationError) as exc_info:
        _create(**overrides)
    assert any(message in text for text in exc_info.value.message_dict[field])
    assert not Group.objects.exists()
    assert not Lesson.objects.exists()


def test_a_year_long_group_with_fourteen_weekly_classes_stays_within_bounds():
    group = _create(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2027, 8, 31))
    assert group.lessons.count() < 14 * 53


def test_lessons_of_a_group_written_past_the_bounds_stop_after_a_year():
    group = _create(end_date=datetime.date(2026, 9, 30))
    # The database keeps a group's end within 2100 (`group_dates_in_range`); the code's own
    # bound stops its lessons after a year whatever the end.
    Group.objects.filter(pk=group.pk).update(end_date=datetime.date(2100, 12, 31))
    group.refresh_from_db()
    lessons_generate(group=group)
    last = group.lessons.order_by("-date").values_list("date", flat=True).first()
    assert last is not None and last <= datetime.date(2026, 9, 1) + datetime.timedelta(days=366)


def test_a_group_recorded_outside_the_range_keeps_its_dates_when_only_its_name_changes():
    group = _create(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 30))
    # A row outside the forms' range (past the planning horizon: the admin, an old import):
    # renaming it must still work. (Before 2000 the database itself refuses a group.)
    Lesson.objects.filter(group=group).delete()
    Group.objects.filter(pk=group.pk).update(
        start_date=datetime.date(2089, 9, 1), end_date=datetime.date(2090, 5, 31)
    )
    group.refresh_from_db()
    updated = groups.group_update(
        group=group,
        name="Старшие",
        capacity=10,
        start_date=group.start_date,
        end_date=group.end_date,
        schedule=[(TUESDAY, datetime.time(15), 2)],
        today=TODAY,
    )
    assert updated.name == "Старшие"
    with pytest.raises(ValidationError) as exc_info:
        groups.group_update(
            group=group,
            name="Старшие",
            capacity=10,
            start_date=datetime.date(1900, 1, 1),
            end_date=group.end_date,
            schedule=[(TUESDAY, datetime.time(15), 2)],
            today=TODAY,
        )
    assert "start_date" in exc_info.value.message_dict
