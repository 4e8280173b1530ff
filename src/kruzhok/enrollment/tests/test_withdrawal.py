"""Withdrawal (отчисление): from a date, by the parent or the provider; the reserve is released
at once, no lesson from that date is charged, and the seat goes to the first in line."""

import datetime
import re

import pytest
from django.utils import timezone

from kruzhok.attendance.services import AttendanceError, attendance_mark
from kruzhok.billing.models import MonthClosure
from kruzhok.certificates.models import Transfer, TransferKind
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment import services
from kruzhok.enrollment.models import ApplicationStatus
from kruzhok.enrollment.services import EnrollmentError
from kruzhok.enrollment.tests.world import (
    NOW,
    TODAY,
    child_make,
    contract_made,
    group_make,
    program_make,
    provider_make,
    user_make,
)
from kruzhok.notifications.models import Notification

NOMINAL = 12_000_00
LESSON_VALUE = 2 * 150_00  # two academic hours at 150 ₽


@pytest.fixture
def contract(world):
    return contract_made(world)


def _money(contract):
    return certificate_money(certificate=contract.certificate)


def _withdraw(world, contract, *, on=TODAY, actor=None, reason="Переезд"):
    return services.contract_withdraw(
        actor=actor or world.parent, application=contract.application, on=on, reason=reason
    )


def _lesson(world, day):
    return world.group.lessons.get(date=day)


def test_withdrawal_releases_the_whole_remaining_hold_at_once(world, contract):
    assert _money(contract).reserved == contract.certificate_part > 0
    _withdraw(world, contract)
    money = _money(contract)
    assert (money.balance, money.reserved, money.available, money.debited) == (
        NOMINAL,
        0,
        NOMINAL,
        0,
    )
    void = Transfer.objects.get(idempotency_key=f"void:contract:{contract.pk}")
    assert (void.kind, void.amount) == (TransferKind.VOID, contract.certificate_part)
    contract.refresh_from_db()
    assert contract.terminated_on == TODAY
    application = contract.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.status_changed_by == world.parent
    assert application.reason == "Переезд"


def test_after_an_attended_lesson_only_what_is_left_is_released(world, contract):
    attendance_mark(
        actor=world.teacher, lesson=_lesson(world, TODAY), contract=contract, present=True
    )
    debit = LESSON_VALUE * contract.certificate_part // contract.total_cost
    _withdraw(world, contract, on=TODAY + datetime.timedelta(days=1), actor=world.admin)
    money = _money(contract)
    assert (money.balance, money.reserved, money.debited) == (NOMINAL - debit, 0, debit)
    assert money.available == NOMINAL - debit
    void = Transfer.objects.get(idempotency_key=f"void:contract:{contract.pk}")
    assert void.amount == contract.certificate_part - debit


def test_a_later_date_keeps_in_reserve_only_what_the_lessons_before_it_may_cost(world, contract):
    on = datetime.date(2026, 10, 23)  # lessons 15.10, 20.10 and 22.10 may still be marked
    _withdraw(world, contract, on=on)
    kept = 3 * LESSON_VALUE * contract.certificate_part // contract.total_cost
    money = _money(contract)
    assert money.reserved == kept
    assert money.available == NOMINAL - kept


def test_no_lesson_on_or_after_the_date_is_charged_but_one_before_it_still_is(
    world, contract, time_machine
):
    _withdraw(world, contract, on=datetime.date(2026, 10, 22), actor=world.admin)
    time_machine.move_to(datetime.datetime(2026, 10, 22, 18, 0, tzinfo=datetime.UTC), tick=False)
    with pytest.raises(AttendanceError):
        attendance_mark(
            actor=world.teacher,
            lesson=_lesson(world, datetime.date(2026, 10, 22)),
            contract=contract,
            present=True,
        )
    # The journal may still be filled in for the days before: paid from the reserve kept.
    attendance_mark(
        actor=world.teacher,
        lesson=_lesson(world, datetime.date(2026, 10, 20)),
        contract=contract,
        present=True,
    )
    assert _money(contract).debited == LESSON_VALUE * contract.certificate_part // (
        contract.total_cost
    )


def test_withdrawing_an_already_withdrawn_child_says_so_and_changes_nothing(world, contract):
    _withdraw(world, contract)
    before = _money(contract)
    with pytest.raises(EnrollmentError, match=re.escape("уже отчислен(а) из группы с 15.10.2026")):
        _withdraw(world, contract, actor=world.admin)
    assert _money(contract) == before
    assert Transfer.objects.filter(kind=TransferKind.VOID).count() == 1


def test_a_date_before_a_charged_lesson_is_refused(world, contract):
    attendance_mark(
        actor=world.teacher, lesson=_lesson(world, TODAY), contract=contract, present=True
    )
    with pytest.raises(EnrollmentError, match=re.escape("отчислить можно с 16.10.2026")) as error:
        _withdraw(world, contract, on=TODAY, actor=world.admin)
    assert error.value.field == "on"
    contract.application.refresh_from_db()
    assert contract.application.status == ApplicationStatus.ACTIVE


def test_a_parent_cannot_withdraw_from_a_past_date_but_the_provider_can(
    world, contract, time_machine
):
    time_machine.move_to(NOW + datetime.timedelta(days=7), tick=False)
    yesterday = TODAY + datetime.timedelta(days=6)
    with pytest.raises(EnrollmentError, match="раньше сегодняшнего"):
        _withdraw(world, contract, on=yesterday)
    _withdraw(world, contract, on=yesterday, actor=world.admin)
    contract.refresh_from_db()
    assert contract.terminated_on == yesterday


@pytest.mark.parametrize("on", [datetime.date(1900, 1, 1), TODAY - datetime.timedelta(days=1)])
def test_a_date_before_the_contract_starts_is_refused(world, contract, on):
    with pytest.raises(EnrollmentError, match=re.escape("начинается 15.10.2026")) as error:
        _withdraw(world, contract, on=on, actor=world.admin)
    assert error.value.field == "on"
    contract.refresh_from_db()
    assert contract.terminated_on is None


def test_a_date_in_a_closed_month_is_refused(world, contract):
    MonthClosure.objects.create(municipality=world.municipality, month=datetime.date(2026, 10, 1))
    with pytest.raises(EnrollmentError, match=re.escape("с 01.11.2026 или позже")) as error:
        _withdraw(world, contract, on=TODAY, actor=world.admin)
    assert error.value.field == "on"
    contract.refresh_from_db()
    assert contract.terminated_on is None
    _withdraw(world, contract, on=datetime.date(2026, 11, 1), actor=world.admin)


def test_a_date_after_the_contract_ends_is_refused(world, contract):
    with pytest.raises(EnrollmentError, match=re.escape("заканчивается 24.12.2026")):
        _withdraw(world, contract, on=datetime.date(2027, 1, 10))


def test_a_reason_is_required(world, contract):
    with pytest.raises(EnrollmentError, match="причину") as error:
        _withdraw(world, contract, reason="   ")
    assert error.value.field == "reason"


def test_only_a_concluded_contract_can_be_withdrawn(world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    with pytest.raises(EnrollmentError, match="Отзовите её"):
        services.contract_withdraw(
            actor=world.parent, application=application, on=TODAY, reason="Передумали"
        )


def test_strangers_cannot_withdraw(world, contract):
    stranger = user_make(municipality=world.municipality)
    with pytest.raises(EnrollmentError):
        _withdraw(world, contract, actor=stranger)
    _, other_admin, _ = provider_make(world.municipality)
    with pytest.raises(EnrollmentError, match="другую организацию"):
        _withdraw(world, contract, actor=other_admin)
    assert _money(contract).reserved == contract.certificate_part


def test_the_freed_seat_goes_to_the_first_in_line(world, time_machine):
    group = group_make(world.program, world.teacher, capacity=1, auto_accept=True)
    contract = contract_made(world, group=group)
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=1), tick=False)
    first = services.application_submit(
        parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
    )
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=1), tick=False)
    second = services.application_submit(
        parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
    )
    _withdraw(world, contract)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
    )
    group.refresh_from_db()
    assert group.seats_taken == 1


def test_the_other_side_is_told(world, contract):
    _withdraw(world, contract, actor=world.admin, reason="Не посещает занятия")
    note = Notification.objects.get(user=world.parent, subject="Ребёнок отчислен из группы")
    assert "Не посещает занятия" in note.body and "15.10.2026" in note.body
    chess = program_make(world.provider, title="Шахматы")
    other = contract_made(world, group=group_make(chess, world.teacher))
    _withdraw(world, other, reason="Переезд")
    assert Notification.objects.get(
        user=world.admin, subject="Отчисление по заявлению родителя"
    ).body.endswith("Причина: Переезд.")
