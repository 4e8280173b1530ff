"""A closed month cannot be changed: the service refuses, the pages say why."""

import datetime

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.attendance.models import AttendanceMark
from kruzhok.attendance.services import AttendanceError, attendance_mark
from kruzhok.billing.services import month_close
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import user_make

OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def october_closed(world, time_machine):
    """Move to 05.11.2026 and let the operator close October."""
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0), tick=False)
    operator = user_make(Role.OPERATOR, world.municipality)
    return month_close(actor=operator, municipality=world.municipality, month=OCTOBER)


@pytest.fixture
def october_lesson(world, contract):
    return world.group.lessons.filter(date__gte=contract.start_date, date__month=10).first()


def test_a_mark_in_a_closed_month_is_refused_with_the_reason(
    world, contract, october_lesson, october_closed
):
    before = certificate_money(certificate=contract.certificate)
    with pytest.raises(AttendanceError, match=r"октябрь 2026 закрыт оператором 05\.11\.2026"):
        attendance_mark(actor=world.teacher, lesson=october_lesson, contract=contract, present=True)
    assert not AttendanceMark.objects.exists()
    assert certificate_money(certificate=contract.certificate) == before


def test_a_mark_made_before_closing_cannot_be_undone_after(
    world, contract, october_lesson, time_machine
):
    attendance_mark(actor=world.teacher, lesson=october_lesson, contract=contract, present=True)
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0), tick=False)
    month_close(
        actor=user_make(Role.OPERATOR, world.municipality),
        municipality=world.municipality,
        month=OCTOBER,
    )
    with pytest.raises(AttendanceError, match="закрыт"):
        attendance_mark(
            actor=world.teacher, lesson=october_lesson, contract=contract, present=False
        )
    assert AttendanceMark.objects.get().present is True
    assert Charge.objects.filter(reversed_at=None).count() == 1


def test_the_next_open_month_can_still_be_marked(world, contract, october_closed):
    november = world.group.lessons.filter(date__month=11, date__lte="2026-11-05").first()
    attendance_mark(actor=world.teacher, lesson=november, contract=contract, present=True)
    assert Charge.objects.count() == 1


def test_the_journal_of_a_closed_month_says_why_and_offers_no_buttons(
    client, world, contract, october_lesson, october_closed
):
    client.force_login(world.teacher)
    page = client.get(
        reverse("attendance:journal", args=[world.group.pk]) + "?month=2026-10"
    ).content.decode()
    assert "Месяц закрыт." in page and "октябрь 2026 закрыт оператором 05.11.2026" in page
    assert reverse("attendance:mark") not in page
    assert "все&nbsp;✓" not in page
    assert "месяц закрыт" in page  # each cell tells the screen reader why
    page = client.get(reverse("attendance:lesson", args=[october_lesson.pk])).content.decode()
    assert "октябрь 2026 закрыт" in page
    assert "Был" not in page and "Отменить или перенести" not in page


def test_marking_a_closed_month_by_htmx_answers_409_with_the_reason(
    client, world, contract, october_lesson, october_closed
):
    client.force_login(world.teacher)
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": october_lesson.pk, "contract": contract.pk, "present": "1", "variant": "cell"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "закрыт оператором" in response.content.decode()
    response = client.post(
        reverse("attendance:mark_all_present", args=[october_lesson.pk]), follow=True
    )
    assert "закрыт оператором" in response.content.decode()
    assert not AttendanceMark.objects.exists()
