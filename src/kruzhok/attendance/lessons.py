"""Cancelling and moving a lesson: the provider's administrator or the group's teacher does it,
the families of the children under contract in the group are told.

A lesson with attendance marked present took place and was charged: it is neither cancelled nor
moved. A cancelled lesson is never charged (attendance refuses marks on it). A moved lesson
keeps its row with the new date and time; the slot it left is recorded in
catalog.LessonChange so that generating lessons again does not put one back there.
"""

import datetime

import holidays
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.attendance import services as attendance_services
from kruzhok.attendance.models import AttendanceMark
from kruzhok.billing import selectors as billing_selectors
from kruzhok.billing import services as billing_services
from kruzhok.catalog.lesson_changes import lesson_change_record
from kruzhok.catalog.models import Lesson, LessonChangeKind, LessonStatus
from kruzhok.enrollment.models import ApplicationStatus, Contract
from kruzhok.notifications.services import notify

REASON_MAX_LENGTH = 500
# Children studying in the group on a day: a contract concluded and not ended.
_STUDYING = (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE)


class LessonChangeError(Exception):
    """A refused cancellation or move; `str(error)` says in Russian why."""


def _lock(lesson: Lesson) -> Lesson:
    return (
        Lesson.objects.select_for_update(of=("self",))
        .select_related("group__program__provider")
        .get(pk=lesson.pk)
    )


def _check_can_change(*, actor: User, lesson: Lesson) -> None:
    group = lesson.group
    if not attendance_services.can_keep_journal(user=actor, group=group):
        raise LessonChangeError(
            "Отменять и переносить занятия группы могут её педагог и администратор организации."
        )
    if lesson.status == LessonStatus.CANCELLED:
        raise LessonChangeError("Занятие уже отменено.")
    if AttendanceMark.objects.filter(lesson=lesson, present=True).exists():
        raise LessonChangeError(
            "На занятии уже отмечены присутствовавшие дети: оно состоялось и оплачено. "
            "Снимите отметки, если они поставлены по ошибке."
        )
    _month_hold_open(lesson=lesson, day=lesson.date)


def _month_hold_open(*, lesson: Lesson, day: datetime.date) -> None:
    """Refuse a change on `day` when its month is closed (or closing) for the provider's
    municipality or for any municipality funding a child under contract in the group that
    day (the child's home municipality bills the contract, and a monthly contract's charge
    counts the month's planned lessons); otherwise hold the month open for each of them until
    the change commits, so that a close of it begins after the change, not while it is made."""
    group = lesson.group
    funding = (
        Contract.objects.filter(
            application__group_id=group.pk,
            certificate__isnull=False,
            start_date__lte=day,
            end_date__gte=day,
        )
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=day))
        .values_list("certificate__municipality_id", flat=True)
        .distinct()
    )
    for municipality_id in sorted({group.program.provider.municipality_id, *funding}):
        held = billing_services.month_hold_open(municipality_id=municipality_id, day=day)
        if held != day.replace(day=1):
            closure = billing_selectors.month_closure_get(municipality_id=municipality_id, day=day)
            assert closure is not None  # the month held is a later one: this one is closed
            raise LessonChangeError(billing_selectors.month_closed_message(closure))


def _families(*, lesson: Lesson, days: list[datetime.date]) -> list[User]:
    """Guardians of every child under contract in the lesson's group on any of these days."""
    contracts = Contract.objects.filter(
        application__group_id=lesson.group_id,
        application__status__in=_STUDYING,
        start_date__lte=max(days),
    ).filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=min(days)))
    children = contracts.values("application__child_id")
    return list(
        User.objects.filter(guardianships__child_id__in=children, is_active=True)
        .distinct()
        .order_by("pk")
    )


def _tell_families(*, lesson: Lesson, days: list[datetime.date], subject: str, body: str) -> int:
    link = reverse("cabinet:home")
    users = _families(lesson=lesson, days=days)
    for user in users:
        notify(user=user, subject=subject, body=body, link=link)
    return len(users)


def _title(lesson: Lesson) -> str:
    return f"«{lesson.group.program.title}», группа «{lesson.group.name}»"


@transaction.atomic
def lesson_cancel(*, actor: User, lesson: Lesson, reason: str) -> Lesson:
    """Cancel a lesson; the families of children under contract in the group are told why.

    Guarantees: only the group's teacher or the provider's administrator cancels; a lesson with
    attendance marked present, an already cancelled lesson and a lesson of a closed month are
    refused; a cancelled lesson can no longer be marked, so it is never charged.
    """
    reason = reason.strip()
    if not reason:
        raise LessonChangeError("Напишите причину отмены: её увидят родители.")
    if len(reason) > REASON_MAX_LENGTH:
        raise LessonChangeError(f"Причина — не длиннее {REASON_MAX_LENGTH} знаков.")
    lesson = _lock(lesson)
    _check_can_change(actor=actor, lesson=lesson)
    lesson.status = LessonStatus.CANCELLED
    lesson.save(update_fields=["status", "updated_at"])
    lesson_change_record(
        lesson=lesson,
        kind=LessonChangeKind.CANCELLED,
        from_date=lesson.date,
        from_time=lesson.start_time,
        actor=actor,
        reason=reason,
    )
    _tell_families(
        lesson=lesson,
        days=[lesson.date],
        subject=f"Занятие {lesson.date:%d.%m.%Y} отменено",
        body=(
            f"Занятие {_title(lesson)} {lesson.date:%d.%m.%Y} в {lesson.start_time:%H:%M} "
            f"отменено. Причина: {reason}. За отменённое занятие деньги с сертификата "
            "не списываются."
        ),
    )
    return lesson


@transaction.atomic
def lesson_move(
    *,
    actor: User,
    lesson: Lesson,
    new_date: datetime.date,
    new_start_time: datetime.time,
    reason: str = "",
    today: datetime.date | None = None,
) -> Lesson:
    """Move a lesson to another day or time; the families are told the new day and time.

    Guarantees: the same access and refusals as lesson_cancel; the new date is not in the past,
    not a public holiday, within the group's dates, and not taken by another lesson of the
    group; the group's schedule will not generate a lesson in the slot it left.
    """
    today = today or timezone.localdate()
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise LessonChangeError(f"Причина — не длиннее {REASON_MAX_LENGTH} знаков.")
    lesson = _lock(lesson)
    _check_can_change(actor=actor, lesson=lesson)
    group = lesson.group
    old_date, old_time = lesson.date, lesson.start_time
    if (new_date, new_start_time) == (old_date, old_time):
        raise LessonChangeError("Новые дата и время совпадают с прежними.")
    if new_date < today:
        raise LessonChangeError("Перенести занятие можно на сегодня или на будущий день.")
    if not group.start_date <= new_date <= group.end_date:
        raise LessonChangeError(
            f"Группа занимается с {group.start_date:%d.%m.%Y} по {group.end_date:%d.%m.%Y}: "
            "выберите день в эти сроки."
        )
    if new_date in holidays.country_holidays("RU", years=new_date.year):
        raise LessonChangeError(f"{new_date:%d.%m.%Y} — нерабочий праздничный день.")
    if (
        Lesson.objects.filter(group=group, date=new_date, start_time=new_start_time)
        .exclude(pk=lesson.pk)
        .exists()
    ):
        raise LessonChangeError(
            f"{new_date:%d.%m.%Y} в {new_start_time:%H:%M} у группы уже есть занятие."
        )
    _month_hold_open(lesson=lesson, day=new_date)
    lesson.date, lesson.start_time = new_date, new_start_time
    lesson.save(update_fields=["date", "start_time", "updated_at"])
    lesson_change_record(
        lesson=lesson,
        kind=LessonChangeKind.MOVED,
        from_date=old_date,
        from_time=old_time,
        actor=actor,
        reason=reason,
    )
    because = f" Причина: {reason}." if reason else ""
    _tell_families(
        lesson=lesson,
        days=[old_date, new_date],
        subject=f"Занятие {old_date:%d.%m.%Y} перенесено",
        body=(
            f"Занятие {_title(lesson)} перенесено с {old_date:%d.%m.%Y} {old_time:%H:%M} "
            f"на {new_date:%d.%m.%Y} {new_start_time:%H:%M}.{because}"
        ),
    )
    return lesson
