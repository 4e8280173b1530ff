"""The attendance journal: marks, and the charges they cause."""

import datetime

from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.attendance.models import AttendanceMark
from kruzhok.billing import selectors as billing_selectors
from kruzhok.billing.models import MonthClosureStatus
from kruzhok.catalog.group_access import group_staff_can_work
from kruzhok.catalog.models import Group, Lesson, LessonStatus
from kruzhok.certificates.errors import HoldExceeded, LedgerError
from kruzhok.certificates.models import BillingRegime
from kruzhok.enrollment import charges
from kruzhok.enrollment.models import ApplicationStatus, Contract


class AttendanceError(Exception):
    """A refused mark; `str(error)` says in Russian why."""


def can_keep_journal(*, user: User, group: Group) -> bool:
    """The group's own teacher while on its provider's staff, or an administrator of it."""
    return group_staff_can_work(user=user, group=group)


def attendance_mark(
    *,
    actor: User,
    lesson: Lesson,
    contract: Contract,
    present: bool,
    today: datetime.date | None = None,
) -> AttendanceMark:
    """Mark whether the child attended the lesson; an attended lesson is charged once.

    A repeated mark (double tap, retry) changes nothing; un-marking reverses the charge. A
    change in a month the operator has closed is a correction: its charge (or the reversal of
    one billed already) goes on the invoice of the first open month, and the closed month's
    invoice never changes. Refused for another teacher's group, a lesson that has not begun
    yet (a later day, or today at a later hour) or a cancelled one, a
    month being closed right now, a lesson of a financing period already closed, or a child who
    was not under contract in the group on that day.
    `today` is for back-filled data and tests.
    """
    # Back-filled marks name their day; a mark made now also waits for the lesson's start.
    clock_now = today is None
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        # Serialise marks of one contract: its cumulative charges are computed from the others.
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("application__group__program", "hold", "certificate")
            .get(pk=contract.pk)
        )
        # Locked so that a cancellation or a move cannot slip in between the checks and the mark.
        lesson = (
            Lesson.objects.select_for_update(of=("self",))
            .select_related("group__program__provider")
            .get(pk=lesson.pk)
        )
        group = lesson.group
        if not can_keep_journal(user=actor, group=group):
            raise AttendanceError(
                "Это журнал чужой группы: отмечать в нём может только её педагог."
            )
        if contract.application.group_id != group.pk:
            raise AttendanceError("Ребёнок не занимается в этой группе.")
        if lesson.status == LessonStatus.CANCELLED:
            raise AttendanceError("Занятие отменено: посещение не отмечается.")
        if lesson.date > today:
            raise AttendanceError("Занятие ещё не прошло: отметить посещение можно в день занятия.")
        starts = _lesson_start(lesson)
        if clock_now and starts > timezone.now():
            # A lesson moved to 23:30 today cannot be marked "present" at 12:30.
            raise AttendanceError(
                f"Занятие начнётся в {timezone.localtime(starts):%H:%M}: отметить посещение "
                "можно, когда оно начнётся."
            )
        # The month is the payer's: the child's home municipality funds the certificate and
        # bills the charge (billing.month_close), wherever the provider is.
        municipality_id = (
            contract.certificate.municipality_id
            if contract.certificate is not None
            else group.program.provider.municipality_id
        )
        closure = billing_selectors.month_closure_get(
            municipality_id=municipality_id, day=lesson.date
        )
        if closure is not None and closure.status == MonthClosureStatus.RUNNING:
            raise AttendanceError(billing_selectors.month_closed_message(closure))
        if contract.application.status not in (
            ApplicationStatus.ACTIVE,
            ApplicationStatus.CONTRACTED,
            ApplicationStatus.WITHDRAWN,
            ApplicationStatus.FINISHED,
        ):
            raise AttendanceError("По этой заявке нет действующего договора.")
        if lesson.date < contract.start_date or (
            contract.terminated_on is not None and lesson.date >= contract.terminated_on
        ):
            raise AttendanceError("В этот день ребёнок не занимался в группе по договору.")
        mark, created = AttendanceMark.objects.get_or_create(
            lesson=lesson, contract=contract, defaults={"present": present, "marked_by": actor}
        )
        if not created and mark.present != present:
            mark.present = present
            mark.marked_by = actor
            mark.save(update_fields=["present", "marked_by", "marked_at"])
        if contract.billing_regime == BillingRegime.MONTHLY:
            # Paid by the month, attendance notwithstanding: the month close charges it.
            return mark
        try:
            if present:
                charges.lesson_charge(
                    contract=contract,
                    lesson=lesson,
                    billed_month=billing_selectors.first_open_month(
                        municipality_id=municipality_id, day=lesson.date
                    ),
                )
            else:
                _charge_reverse(contract, lesson, municipality_id)
        except HoldExceeded as exc:
            # The reserve is gone only when the financing period was closed (its unused
            # money went back to the budget); the mark is not kept either.
            raise AttendanceError(
                "Отметить посещение нельзя: период финансирования, к которому относится "
                "занятие, закрыт, и резерв сертификата по договору уже освобождён. "
                "Если ребёнок был на занятии, сообщите муниципальному оператору."
            ) from exc
        except LedgerError as exc:
            raise AttendanceError(f"Отметка не сохранена: {exc}") from exc
        return mark


def _lesson_start(lesson: Lesson) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(lesson.date, lesson.start_time))


def _charge_reverse(contract: Contract, lesson: Lesson, municipality_id: int) -> None:
    """Reverse the lesson's charge; one already billed on a closed month's invoice is billed
    back as a correction in the first open month (a month being closed refuses it)."""
    charge = charges.active_charge(contract=contract, lesson=lesson)
    if charge is None:
        return
    correction_month = None
    closure = billing_selectors.month_closure_get(
        municipality_id=municipality_id, day=charge.billed_month
    )
    if closure is not None:
        if closure.status == MonthClosureStatus.RUNNING:
            raise AttendanceError(billing_selectors.month_closed_message(closure))
        correction_month = billing_selectors.first_open_month(
            municipality_id=municipality_id, day=charge.billed_month
        )
    charges.lesson_charge_reverse(
        contract=contract, lesson=lesson, correction_month=correction_month
    )
