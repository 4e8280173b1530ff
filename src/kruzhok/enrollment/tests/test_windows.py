"""Enrolment windows: opened and closed by the provider or the operator, optionally at a time."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.catalog.models import Group
from kruzhok.common.models import Municipality
from kruzhok.enrollment import services, windows
from kruzhok.enrollment.selectors import enrollment_state_for_group
from kruzhok.enrollment.services import EnrollmentError
from kruzhok.enrollment.tests.world import group_make, provider_make, user_make

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
OPENS = datetime.datetime(2026, 10, 20, 9, 0, tzinfo=MSK)


def _state(group):
    group.refresh_from_db()
    return enrollment_state_for_group(group)


def test_without_a_window_the_groups_own_switch_decides(world):
    assert _state(world.group) == (True, "Запись открыта")
    Group.objects.filter(pk=world.group.pk).update(enrollment_open=False)
    assert _state(world.group) == (False, "Запись закрыта")


def test_a_window_opening_later_says_when(world):
    windows.enrollment_window_open(actor=world.admin, program=world.program, at=OPENS)
    assert _state(world.group) == (False, "Запись откроется 20.10.2026 в 09:00")


def test_applying_before_the_window_opens_is_refused_with_the_time(world, time_machine):
    windows.enrollment_window_open(actor=world.admin, group=world.group, at=OPENS)
    refusal = re.escape("Запись откроется 20.10.2026 в 09:00. Подать")
    with pytest.raises(EnrollmentError, match=refusal):
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )
    time_machine.move_to(OPENS, tick=False)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert application.status == "submitted"


def test_a_window_closes_at_its_time(world, time_machine):
    closes = datetime.datetime(2026, 10, 16, 18, 0, tzinfo=MSK)
    windows.enrollment_window_set(
        actor=world.admin, group=world.group, opens_at=None, closes_at=closes
    )
    assert _state(world.group) == (True, "Запись открыта до 16.10.2026 в 18:00")
    time_machine.move_to(closes, tick=False)
    assert _state(world.group) == (False, "Запись закрыта 16.10.2026 в 18:00")
    with pytest.raises(EnrollmentError, match="закрыта"):
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )


def test_a_groups_window_wins_over_its_programs(world):
    other = group_make(world.program, world.teacher)
    windows.enrollment_window_close(actor=world.admin, program=world.program)
    windows.enrollment_window_open(actor=world.admin, group=world.group)
    assert _state(world.group).is_open
    assert not _state(other).is_open


def test_closing_now_and_opening_again(world):
    windows.enrollment_window_close(actor=world.admin, group=world.group)
    assert not _state(world.group).is_open
    windows.enrollment_window_open(actor=world.admin, group=world.group)
    assert _state(world.group) == (True, "Запись открыта")
    windows.enrollment_window_clear(actor=world.admin, group=world.group)
    assert windows.enrollment_window_own(group=world.group) is None


def test_the_manual_switch_closes_even_an_open_window(world):
    windows.enrollment_window_open(actor=world.admin, group=world.group)
    Group.objects.filter(pk=world.group.pk).update(enrollment_open=False)
    assert _state(world.group) == (False, "Запись закрыта")


def test_a_window_must_close_after_it_opens(world):
    with pytest.raises(EnrollmentError, match="позже, чем открывается"):
        windows.enrollment_window_set(
            actor=world.admin, group=world.group, opens_at=OPENS, closes_at=OPENS
        )


def test_only_the_providers_admins_and_the_local_operator_manage_windows(world):
    _, other_admin, _ = provider_make(world.municipality)
    with pytest.raises(EnrollmentError, match="чужие программы"):
        windows.enrollment_window_close(actor=other_admin, group=world.group)
    with pytest.raises(EnrollmentError):
        windows.enrollment_window_close(actor=world.teacher, group=world.group)
    elsewhere = Municipality.objects.create(name="Другой округ")
    with pytest.raises(EnrollmentError):
        windows.enrollment_window_close(
            actor=user_make(Role.OPERATOR, elsewhere), group=world.group
        )
    operator = user_make(Role.OPERATOR, world.municipality)
    windows.enrollment_window_close(actor=operator, group=world.group)
    assert not _state(world.group).is_open


def test_the_catalogue_page_says_when_enrolment_opens_and_offers_no_form(client, world):
    windows.enrollment_window_open(actor=world.admin, group=world.group, at=OPENS)
    open_group = group_make(world.program, world.teacher)
    client.force_login(world.parent)
    page = client.get(reverse("catalog:program_detail", args=[world.program.pk])).content.decode()
    assert "Запись откроется 20.10.2026 в 09:00" in page
    assert reverse("enrollment:apply", args=[world.group.pk]) not in page
    assert reverse("enrollment:apply", args=[open_group.pk]) in page


def test_a_window_time_is_shown_in_moscow_time(world):
    utc = datetime.datetime(2026, 10, 20, 6, 0, tzinfo=datetime.UTC)
    windows.enrollment_window_open(actor=world.admin, group=world.group, at=utc)
    assert _state(world.group).message == "Запись откроется 20.10.2026 в 09:00"
    assert timezone.now() < utc


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "field"),
    [
        (datetime.datetime(1900, 1, 1, 9, 0, tzinfo=MSK), None, "opens_at"),
        (None, datetime.datetime(9999, 12, 31, 9, 0, tzinfo=MSK), "closes_at"),
    ],
)
def test_a_window_far_in_the_past_or_future_is_refused(world, opens_at, closes_at, field):
    with pytest.raises(EnrollmentError, match=re.escape("по 31.08.2029")) as error:
        windows.enrollment_window_set(
            actor=world.admin, group=world.group, opens_at=opens_at, closes_at=closes_at
        )
    assert error.value.field == field
    assert windows.enrollment_window_own(group=world.group) is None


def test_the_window_form_refuses_year_9999_in_russian(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("enrollment:window_group", args=[world.group.pk]),
        {"opens_at": "1900-01-01T09:00", "closes_at": "9999-12-31T23:59", "action": "save"},
    )
    assert response.status_code == 400
    assert "Укажите дату с 01.01.2000" in response.content.decode()
    assert windows.enrollment_window_own(group=world.group) is None
