import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import groups
from kruzhok.catalog.models import Group, ScheduleSlot
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
