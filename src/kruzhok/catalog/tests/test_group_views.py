import datetime
import re

import pytest
from django.urls import reverse

from kruzhok.catalog.models import Group
from kruzhok.enrollment.tests.world import provider_make

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text without tags, with runs of whitespace (and nbsp) as one space."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def _group_data(world, rows, **overrides):
    data = {
        "name": "Группа выходного дня",
        "teacher": str(world.teacher.pk),
        "capacity": "12",
        "start_date": "2026-11-02",
        "end_date": "2026-12-25",
        "enrollment_open": "on",
        "schedule-TOTAL_FORMS": str(len(rows)),
        "schedule-INITIAL_FORMS": str(len(rows)),
        "schedule-MIN_NUM_FORMS": "0",
        "schedule-MAX_NUM_FORMS": "14",
    }
    for i, (weekday, start, hours) in enumerate(rows):
        data[f"schedule-{i}-weekday"] = weekday
        data[f"schedule-{i}-start_time"] = start
        data[f"schedule-{i}-hours"] = hours
    data.update(overrides)
    return data


def test_creating_a_group_with_its_weekly_schedule(client, world):
    client.force_login(world.admin)
    url = reverse("provider:group_create", args=[world.program.pk])
    page = client.get(url).content.decode()
    assert "schedule-2-weekday" in page and "schedule-3-weekday" not in page
    response = client.post(
        url, _group_data(world, [("5", "10:00", "2"), ("", "", ""), ("", "", ""), ("", "", "")])
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Группа выходного дня")
    assert (group.capacity, group.teacher) == (12, world.teacher)
    assert [(s.weekday, s.start_time, s.hours) for s in group.schedule.all()] == [
        (5, datetime.time(10, 0), 2)
    ]
    # Saturdays from 07.11 to 19.12: seven lessons.
    assert group.lessons.count() == 7


def test_a_group_without_a_schedule_is_refused_and_keeps_what_was_typed(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("", "", ""), ("2", "", "")], capacity="0", end_date="2026-10-01"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "В группе должно быть хотя бы одно место." in page
    assert "Окончание занятий не может быть раньше начала." in page
    assert "Укажите время начала." in page
    assert 'value="Группа выходного дня"' in response.content.decode()
    assert not Group.objects.filter(name="Группа выходного дня").exists()


def test_an_empty_schedule_is_refused_in_russian(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("", "", "")]),
    )
    assert response.status_code == 400
    assert "Добавьте в расписание хотя бы одно занятие." in text(response)


def test_a_teacher_of_another_provider_cannot_be_chosen(client, world):
    _, _, other_teacher = provider_make(world.municipality)
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("5", "10:00", "2")], teacher=str(other_teacher.pk)),
    )
    assert response.status_code == 400
    assert "Выберите педагога из сотрудников организации." in text(response)


def test_editing_a_group_shows_its_schedule_and_changes_it(client, world):
    client.force_login(world.admin)
    url = reverse("provider:group_edit", args=[world.group.pk])
    page = client.get(url).content.decode()
    assert 'value="15:00"' in page
    response = client.post(
        url,
        _group_data(
            world,
            [("1", "15:00", "2"), ("3", "16:00", "2"), ("", "", "")],
            name=world.group.name,
            start_date="2026-09-01",
            end_date="2026-12-24",
        ),
    )
    assert response.status_code == 302, text(response)
    world.group.refresh_from_db()
    assert {(s.weekday, s.start_time) for s in world.group.schedule.all()} == {
        (1, datetime.time(15, 0)),
        (3, datetime.time(16, 0)),
    }
    assert world.group.lessons.filter(date="2026-10-22", start_time="16:00").exists()
    assert world.group.lessons.filter(date="2026-10-08", start_time="15:00").exists()


def test_a_group_edit_refused_by_the_service_shows_the_reason(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_edit", args=[world.group.pk]),
        _group_data(world, [("1", "15:00", "2")], start_date="2026-10-01", end_date="2026-12-24"),
    )
    assert response.status_code == 400
    assert "начало не может быть позже него" in text(response)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("1900-01-01", "2026-12-25", "Укажите дату с 01.01.2000 по 31.08.2029."),
        ("2026-11-02", "9999-12-31", "Укажите дату с 01.01.2000 по 31.08.2029."),
        ("2026-11-02", "2029-08-31", "Группа занимается не дольше года"),
    ],
)
def test_group_dates_out_of_range_are_a_russian_form_error(client, world, start, end, message):
    """Issue 12, findings 2 and 8: a group of 1900 was saved, one to 31.12.9999 answered 500,
    one to 2999 inserted 708,738 lessons."""
    client.raise_request_exception = False
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("5", "10:00", "2")], start_date=start, end_date=end),
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not Group.objects.filter(name="Группа выходного дня").exists()
