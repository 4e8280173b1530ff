"""A closed month cannot be changed: the service refuses, the pages say why."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.attendance.models import AttendanceMark
from kruzhok.attendance.services import AttendanceError, attendance_mark
from kruzhok.billing.services import month_close, month_close_start
from kruzhok.certificates import ledger
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import user_make

OCTOBER = datetime.date(2026, 10, 1)

# These marks are made weeks after their lessons: a late mark says why.
LATE = "Отметка задним числом"


@pytest.fixture
def october_closed(world, time_machine):
    """Move to 05.11.2026 and let the operator close October."""
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0), tick=False)
    operator = user_make(Role.OPERATOR, world.municipality)
    return month_close(actor=operator, municipality=world.municipality, month=OCTOBER)


@pytest.fixture
def october_lesson(world, contract):
    return world.group.lessons.filter(date__gte=contract.start_date, date__month=10).first()


def test_a_mark_in_a_closed_month_is_a_correction_billed_in_the_next_open_month(
    world, contract, october_lesson, october_closed
):
    before = certificate_money(certificate=contract.certificate)
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=october_lesson, contract=contract, present=True
    )
    charge = Charge.objects.get()
    assert charge.billed_month == datetime.date(2026, 11, 1)
    assert charge.billed_month != charge.for_month  # a correction
    after = certificate_money(certificate=contract.certificate)
    assert before.available - after.available == 0  # paid from the contract's reserve
    assert before.balance - after.balance == charge.certificate_amount > 0


def test_a_mark_taken_back_after_closing_is_billed_back_in_the_next_open_month(
    world, contract, october_lesson, time_machine
):
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=october_lesson, contract=contract, present=True
    )
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0), tick=False)
    month_close(
        actor=user_make(Role.OPERATOR, world.municipality),
        municipality=world.municipality,
        month=OCTOBER,
    )
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=october_lesson, contract=contract, present=False
    )
    charge = Charge.objects.get()
    assert charge.reversed_at is not None
    assert (charge.billed_month, charge.reversal_billed_month) == (
        OCTOBER,
        datetime.date(2026, 11, 1),
    )
    assert AttendanceMark.objects.get().present is False


def test_a_month_being_closed_refuses_marks_until_it_is_done(
    world, contract, october_lesson, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0), tick=False)
    month_close_start(
        actor=user_make(Role.OPERATOR, world.municipality),
        municipality=world.municipality,
        month=OCTOBER,
        in_background=False,
    )
    with pytest.raises(AttendanceError, match="Идёт закрытие месяца октябрь 2026"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=october_lesson, contract=contract, present=True
        )
    assert not AttendanceMark.objects.exists()


def test_a_correction_the_reserve_cannot_pay_is_refused_with_the_reason(
    world, contract, october_lesson, october_closed
):
    with transaction.atomic(durable=True):  # what a period close does to the reserve
        ledger.hold_void(hold=contract.hold, key="void:test")
    with pytest.raises(AttendanceError, match="резерв сертификата по договору уже освобождён"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=october_lesson, contract=contract, present=True
        )
    assert not AttendanceMark.objects.exists()
    assert not Charge.objects.exists()


def test_the_next_open_month_can_still_be_marked(world, contract, october_closed):
    november = world.group.lessons.filter(date__month=11, date__lte="2026-11-05").first()
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=november, contract=contract, present=True
    )
    assert Charge.objects.count() == 1


def test_the_journal_of_a_closed_month_says_changes_become_corrections(
    client, world, contract, october_lesson, october_closed
):
    client.force_login(world.teacher)
    page = client.get(
        reverse("attendance:journal", args=[world.group.pk]) + "?month=2026-10"
    ).content.decode()
    assert "октябрь 2026 закрыт оператором 05.11.2026" in page
    assert "войдёт корректировкой в счёт за следующий открытый месяц" in page
    assert reverse("attendance:mark") in page  # a cell can still be corrected
    page = client.get(reverse("attendance:lesson", args=[october_lesson.pk])).content.decode()
    assert "октябрь 2026 закрыт" in page
    assert "Отменить или перенести" not in page


def test_the_journal_of_a_month_being_closed_offers_no_buttons(
    client, world, contract, october_lesson, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0), tick=False)
    month_close_start(
        actor=user_make(Role.OPERATOR, world.municipality),
        municipality=world.municipality,
        month=OCTOBER,
        in_background=False,
    )
    client.force_login(world.teacher)
    page = client.get(
        reverse("attendance:journal", args=[world.group.pk]) + "?month=2026-10"
    ).content.decode()
    assert "Идёт закрытие месяца октябрь 2026" in page
    assert reverse("attendance:mark") not in page
    assert "все&nbsp;✓" not in page
    assert "идёт закрытие месяца" in page  # each cell tells the screen reader why
    response = client.post(
        reverse("attendance:mark"),
        {"lesson": october_lesson.pk, "contract": contract.pk, "present": "1", "variant": "cell"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "Идёт закрытие месяца" in response.content.decode()
    response = client.post(
        reverse("attendance:mark_all_present", args=[october_lesson.pk]), follow=True
    )
    assert "Идёт закрытие месяца" in response.content.decode()
    assert not AttendanceMark.objects.exists()
