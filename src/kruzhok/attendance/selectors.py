import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.attendance.models import AttendanceMark
from kruzhok.catalog.models import Group, Lesson, LessonStatus, StaffRole
from kruzhok.enrollment.models import ApplicationStatus, Contract

_CONTRACT_STATUSES = (
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.ACTIVE,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.FINISHED,
)


def group_list_for_journal(*, user: User) -> QuerySet[Group]:
    """Groups whose journal the user keeps: own groups, or all of the provider's for its admins."""
    admin_of = user.provider_roles.filter(role=StaffRole.ADMIN).values("provider_id")
    return (
        Group.objects.filter(Q(teacher=user) | Q(program__provider_id__in=admin_of))
        .select_related("program__provider", "teacher")
        .order_by("program__title", "name")
    )


def group_get_for_journal(*, user: User, pk: int) -> Group:
    group = group_list_for_journal(user=user).filter(pk=pk).first()
    if group is None:
        raise Http404("Группа не найдена")
    return group


def lesson_get_for_journal(*, user: User, pk: int) -> Lesson:
    lesson = (
        Lesson.objects.filter(group__in=group_list_for_journal(user=user), pk=pk)
        .select_related("group__program")
        .first()
    )
    if lesson is None:
        raise Http404("Занятие не найдено")
    return lesson


def _contracts_between(group: Group, first: datetime.date, last: datetime.date) -> list[Contract]:
    return list(
        Contract.objects.filter(
            application__group=group,
            application__status__in=_CONTRACT_STATUSES,
            start_date__lte=last,
        )
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=first))
        .select_related("application__child")
        .order_by("application__child__last_name", "application__child__first_name")
    )


@dataclass(frozen=True)
class Cell:
    lesson: Lesson
    contract: Contract
    present: bool | None  # None: not marked yet
    markable: bool
    reason: str  # why it cannot be marked, for the screen reader and the tooltip


@dataclass(frozen=True)
class JournalRow:
    contract: Contract
    cells: list[Cell]


@dataclass(frozen=True)
class Journal:
    group: Group
    month: datetime.date
    previous_month: datetime.date
    next_month: datetime.date
    lessons: list[Lesson]
    rows: list[JournalRow]


def _cell(lesson: Lesson, contract: Contract, present: bool | None, today: datetime.date) -> Cell:
    if lesson.status == LessonStatus.CANCELLED:
        return Cell(lesson, contract, present, False, "занятие отменено")
    if lesson.date > today:
        return Cell(lesson, contract, present, False, "занятие ещё не прошло")
    if lesson.date < contract.start_date or (
        contract.terminated_on is not None and lesson.date >= contract.terminated_on
    ):
        return Cell(lesson, contract, present, False, "вне срока договора")
    return Cell(lesson, contract, present, True, "")


def journal_for_month(*, group: Group, month: datetime.date) -> Journal:
    """The children × lessons grid of a group for one month, with the marks made so far."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    lessons = list(group.lessons.filter(date__gte=first, date__lte=last))
    contracts = _contracts_between(group, first, last)
    marks = {
        (m.lesson_id, m.contract_id): m.present
        for m in AttendanceMark.objects.filter(lesson__in=lessons, contract__in=contracts)
    }
    today = timezone.localdate()
    rows = [
        JournalRow(
            contract=contract,
            cells=[
                _cell(lesson, contract, marks.get((lesson.pk, contract.pk)), today)
                for lesson in lessons
            ],
        )
        for contract in contracts
    ]
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (last + datetime.timedelta(days=1)).replace(day=1)
    return Journal(group, first, previous_month, next_month, lessons, rows)


def lesson_roster(*, lesson: Lesson) -> list[Cell]:
    """Every child under contract in the lesson's group on its day, with their mark."""
    contracts = [
        c
        for c in _contracts_between(lesson.group, lesson.date, lesson.date)
        if c.start_date <= lesson.date
    ]
    marks = dict(
        AttendanceMark.objects.filter(lesson=lesson, contract__in=contracts).values_list(
            "contract_id", "present"
        )
    )
    today = timezone.localdate()
    return [_cell(lesson, c, marks.get(c.pk), today) for c in contracts]
