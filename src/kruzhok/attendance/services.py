"""The attendance journal: marks, and the charges they cause."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.attendance.models import AttendanceMark
from kruzhok.billing import selectors as billing_selectors
from kruzhok.billing import services as billing_services
from kruzhok.billing.models import MonthClosureStatus
from kruzhok.catalog.group_access import group_staff_can_work
from kruzhok.catalog.models import Group, Lesson, LessonStatus
from kruzhok.certificates.errors import HoldExceeded, LedgerError
from kruzhok.certificates.models import BillingRegime
from kruzhok.common.services import audit_record
from kruzhok.enrollment import charges
from kruzhok.enrollment.models import ApplicationStatus, Charge, Contract
from kruzhok.notifications.services import notify
from kruzhok.providers.models import StaffRole


class AttendanceError(Exception):
    """A refused mark; `str(error)` says in Russian why."""


class ReasonRequired(AttendanceError):
    """A change to a mark older than KRUZHOK_LATE_MARK_DAYS days was made without a reason."""


def mark_is_late(*, lesson_date: datetime.date, today: datetime.date) -> bool:
    """Whether a mark of a lesson on `lesson_date` is changed late: more than
    KRUZHOK_LATE_MARK_DAYS days after it (it then needs a reason and the provider's
    administrators are told)."""
    return (today - lesson_date).days > settings.KRUZHOK_LATE_MARK_DAYS


def can_keep_journal(*, user: User, group: Group) -> bool:
    """The group's own teacher while on its provider's staff, or an administrator of it."""
    return group_staff_can_work(user=user, group=group)


def attendance_mark(
    *,
    actor: User,
    lesson: Lesson,
    contract: Contract,
    present: bool,
    reason: str = "",
    today: datetime.date | None = None,
) -> AttendanceMark:
    """Mark whether the child attended the lesson; an attended lesson is charged once.

    A mark set or changed more than KRUZHOK_LATE_MARK_DAYS days after the lesson needs a
    `reason` (ReasonRequired otherwise); it is written to the audit journal and the provider's
    administrators are told. Every mark that moves money (a charge or its reversal) is written
    to the audit journal against the contract, the family's record of its money.

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
        # Held open until the commit: the month's close waits for this mark (or the mark for
        # the close's batch, and then finds the month closing).
        billed_month = billing_services.month_hold_open(
            municipality_id=municipality_id, day=lesson.date
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
        existing = AttendanceMark.objects.filter(lesson=lesson, contract=contract).first()
        changes = existing is None or existing.present != present
        late = changes and mark_is_late(lesson_date=lesson.date, today=today)
        reason = " ".join(reason.split())
        if late and not reason:
            raise ReasonRequired(
                f"Занятие {lesson.date:%d.%m.%Y} прошло больше "
                f"{settings.KRUZHOK_LATE_MARK_DAYS} дней назад: укажите причину, по которой "
                "отметка меняется. Причину увидит администратор организации."
            )
        mark, created = AttendanceMark.objects.get_or_create(
            lesson=lesson, contract=contract, defaults={"present": present, "marked_by": actor}
        )
        if not created and mark.present != present:
            mark.present = present
            mark.marked_by = actor
            mark.save(update_fields=["present", "marked_by", "marked_at"])
        if late:
            _late_mark_record(actor, lesson, contract, present=present, reason=reason)
        if contract.billing_regime == BillingRegime.MONTHLY:
            # Paid by the month, attendance notwithstanding: the month close charges it.
            return mark
        try:
            if present:
                charge = charges.lesson_charge(
                    contract=contract, lesson=lesson, billed_month=billed_month
                )
                if changes:
                    _money_record(actor, "attendance_charge", contract, lesson, charge, reason)
            else:
                reversed_charge = _charge_reverse(contract, lesson, municipality_id)
                if reversed_charge is not None:
                    _money_record(
                        actor,
                        "attendance_charge_reverse",
                        contract,
                        lesson,
                        reversed_charge,
                        reason,
                    )
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


def _money_record(
    actor: User, action: str, contract: Contract, lesson: Lesson, charge: Charge, reason: str
) -> None:
    """The family's money moved because of a mark: recorded against the contract."""
    audit_record(
        actor=actor,
        action=action,
        obj=contract,
        child_id=contract.application.child_id,
        lesson_id=lesson.pk,
        lesson_date=lesson.date.isoformat(),
        lesson_value=charge.lesson_value,
        certificate_amount=charge.certificate_amount,
        parent_amount=charge.parent_amount,
        reason=reason,
    )


def _late_mark_record(
    actor: User, lesson: Lesson, contract: Contract, *, present: bool, reason: str
) -> None:
    """A late change: in the audit journal, and told to the provider's administrators."""
    child = contract.application.child
    group = lesson.group
    audit_record(
        actor=actor,
        action="attendance_mark_late",
        obj=contract,
        lesson_id=lesson.pk,
        lesson_date=lesson.date.isoformat(),
        present=present,
        reason=reason,
    )
    admins = User.objects.filter(
        provider_roles__provider_id=group.program.provider_id,
        provider_roles__role=StaffRole.ADMIN,
        is_active=True,
    ).order_by("pk")
    body = (
        f"{actor.short_name} изменил(а) отметку за занятие {lesson.date:%d.%m.%Y} в группе "
        f"«{group.name}» («{group.program.title}»): {child.initials_name} — "
        f"{'был(а)' if present else 'не был(а)'}. Причина: {reason}"
    )
    link = reverse("attendance:lesson", args=[lesson.pk])
    for admin in admins:
        if admin.pk != actor.pk:
            notify(user=admin, subject="Изменена давняя отметка посещения", body=body, link=link)


def _charge_reverse(contract: Contract, lesson: Lesson, municipality_id: int) -> Charge | None:
    """Reverse the lesson's charge; one already billed on a closed month's invoice is billed
    back as a correction in the first open month (a month being closed refuses it)."""
    charge = charges.active_charge(contract=contract, lesson=lesson)
    if charge is None:
        return None
    correction_month = None
    # The month the charge was billed in, or the one billing its reversal back, held open.
    open_month = billing_services.month_hold_open(
        municipality_id=municipality_id, day=charge.billed_month
    )
    closure = billing_selectors.month_closure_get(
        municipality_id=municipality_id, day=charge.billed_month
    )
    if closure is not None:
        if closure.status == MonthClosureStatus.RUNNING:
            raise AttendanceError(billing_selectors.month_closed_message(closure))
        correction_month = open_month
    return charges.lesson_charge_reverse(
        contract=contract, lesson=lesson, correction_month=correction_month
    )
