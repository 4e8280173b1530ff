import datetime

import pytest

from kruzhok.accounts.models import Role
from kruzhok.attendance.lessons import lesson_move
from kruzhok.attendance.models import AttendanceMark
from kruzhok.attendance.services import AttendanceError, attendance_mark
from kruzhok.billing.periods import financing_period_close
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates.errors import LedgerError
from kruzhok.certificates.models import Transfer
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment import charges
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import (
    MOSCOW,
    NOW,
    TODAY,
    group_make,
    provider_make,
    user_make,
)
from kruzhok.providers.models import StaffRole
from kruzhok.providers.services import provider_staff_add

# These marks are made weeks after their lessons: a late mark says why.
LATE = "Отметка задним числом"


@pytest.fixture
def contract(world):
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    return enrollment_services.contract_accept(parent=world.parent, application=application)


@pytest.fixture
def lesson_today(world):
    return world.group.lessons.get(date=TODAY)


def _money(contract):
    return certificate_money(certificate=contract.certificate)


def test_an_attended_lesson_is_debited_from_the_certificate(world, contract, lesson_today):
    before = _money(contract)
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=True
    )
    after = _money(contract)
    lesson_value = 2 * 150_00
    share = lesson_value * contract.certificate_part // contract.total_cost
    assert before.balance - after.balance == share
    assert before.reserved - after.reserved == share
    assert after.available == before.available
    charge = Charge.objects.get(contract=contract, lesson=lesson_today)
    assert charge.certificate_amount == share
    assert charge.parent_amount == lesson_value - share


def test_a_double_tap_charges_once(world, contract, lesson_today):
    for _ in range(3):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=True
        )
    assert Charge.objects.filter(contract=contract).count() == 1
    assert Transfer.objects.filter(kind="post").count() == 1
    assert AttendanceMark.objects.count() == 1


def test_unmarking_reverses_the_charge_and_marking_again_charges_again(
    world, contract, lesson_today
):
    before = _money(contract)
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=True
    )
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=False
    )
    assert _money(contract) == before
    assert Transfer.objects.filter(kind="reverse").count() == 1
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=True
    )
    assert Charge.objects.filter(contract=contract, reversed_at=None).count() == 1
    assert Transfer.objects.filter(kind="post").count() == 2
    assert _money(contract).balance < before.balance


def test_an_absent_child_is_not_charged(world, contract, lesson_today):
    before = _money(contract)
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=False
    )
    assert _money(contract) == before
    assert not Charge.objects.exists()


def test_a_future_lesson_cannot_be_marked(world, contract):
    future = world.group.lessons.filter(date__gt=TODAY).first()
    with pytest.raises(AttendanceError, match="ещё не прошло"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=future, contract=contract, present=True
        )


def test_a_cancelled_lesson_is_never_charged(world, contract, lesson_today):
    Lesson.objects.filter(pk=lesson_today.pk).update(status=LessonStatus.CANCELLED)
    with pytest.raises(AttendanceError, match="отменено"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=True
        )
    assert not Charge.objects.exists()


def test_a_lesson_before_the_contract_cannot_be_charged(world, contract):
    earlier = world.group.lessons.filter(date__lt=contract.start_date).last()
    with pytest.raises(AttendanceError, match="не занимался"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=earlier, contract=contract, present=True
        )


def test_a_teacher_of_another_provider_is_refused(world, contract, lesson_today):
    _, _, stranger_teacher = provider_make(world.municipality)
    with pytest.raises(AttendanceError, match="чужой группы"):
        attendance_mark(
            reason=LATE,
            actor=stranger_teacher,
            lesson=lesson_today,
            contract=contract,
            present=True,
        )


def test_a_colleague_teaching_another_group_is_refused(world, contract, lesson_today):
    colleague = user_make(Role.PROVIDER)
    provider_staff_add(provider=world.provider, user=colleague, role=StaffRole.TEACHER)
    group_make(world.program, colleague)
    with pytest.raises(AttendanceError, match="чужой группы"):
        attendance_mark(
            reason=LATE, actor=colleague, lesson=lesson_today, contract=contract, present=True
        )
    assert not Charge.objects.exists()


def test_the_providers_administrator_may_keep_any_of_its_journals(world, contract, lesson_today):
    attendance_mark(
        reason=LATE, actor=world.admin, lesson=lesson_today, contract=contract, present=True
    )
    assert Charge.objects.filter(contract=contract).count() == 1


def test_every_lesson_attended_charges_exactly_the_certificate_part(world, time_machine):
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    contract = enrollment_services.contract_accept(parent=world.parent, application=application)
    time_machine.move_to(datetime.datetime(2026, 12, 31, 12, 0), tick=False)
    for lesson in world.group.lessons.filter(date__gte=contract.start_date):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=lesson, contract=contract, present=True
        )
    charges = Charge.objects.filter(contract=contract, reversed_at=None)
    assert sum(c.certificate_amount for c in charges) == contract.certificate_part
    assert sum(c.parent_amount for c in charges) == contract.parent_part
    contract.hold.refresh_from_db()
    assert contract.hold.remaining == 0
    assert _money(contract).reserved == 0


def test_a_lesson_of_a_closed_financing_period_cannot_be_marked(world, contract, time_machine):
    lesson = world.group.lessons.get(date=TODAY)
    time_machine.move_to(datetime.datetime(2027, 9, 1, 12, 0, tzinfo=MOSCOW), tick=False)
    financing_period_close(financing_program=world.financing)
    with pytest.raises(AttendanceError, match="период финансирования, к которому относится"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=lesson, contract=contract, present=True
        )
    assert not AttendanceMark.objects.filter(lesson=lesson).exists()
    assert not Charge.objects.filter(lesson=lesson).exists()


def test_a_ledger_refusal_on_unmarking_is_told_and_keeps_the_mark(
    world, contract, lesson_today, monkeypatch
):
    attendance_mark(
        reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=True
    )

    def refused(**kwargs):
        raise LedgerError("Операция уже сторнирована.")

    monkeypatch.setattr(charges.certificate_services, "lesson_charge_reverse", refused)
    with pytest.raises(AttendanceError, match="Отметка не сохранена: Операция уже сторнирована"):
        attendance_mark(
            reason=LATE, actor=world.teacher, lesson=lesson_today, contract=contract, present=False
        )
    assert AttendanceMark.objects.get(lesson=lesson_today, contract=contract).present is True
    assert Charge.objects.get(lesson=lesson_today, contract=contract).reversed_at is None


def test_a_lesson_moved_to_late_today_cannot_be_marked_before_it_starts(
    world, contract, time_machine
):
    """Issue 12, finding 8: a future lesson moved to today 23:30 was marked present at 12:30."""
    noon = NOW.replace(hour=12, minute=30)
    time_machine.move_to(noon, tick=False)
    future = world.group.lessons.filter(date__gt=TODAY).order_by("date").first()
    lesson_move(
        actor=world.teacher, lesson=future, new_date=TODAY, new_start_time=datetime.time(23, 30)
    )
    future.refresh_from_db()
    with pytest.raises(AttendanceError, match="начнётся в 23:30"):
        attendance_mark(actor=world.teacher, lesson=future, contract=contract, present=True)
    assert not AttendanceMark.objects.filter(lesson=future).exists()
    assert not Charge.objects.filter(lesson=future).exists()
    time_machine.move_to(NOW.replace(hour=23, minute=31), tick=False)
    attendance_mark(actor=world.teacher, lesson=future, contract=contract, present=True)
    assert Charge.objects.filter(lesson=future).exists()
