import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.attendance.models import AttendanceMark
from kruzhok.billing.models import MonthClosure, MonthClosureStatus
from kruzhok.billing.selectors import month_closure_get
from kruzhok.catalog.group_access import group_staff_scope
from kruzhok.catalog.lesson_changes import lesson_changes_latest
from kruzhok.catalog.models import Group, Lesson, LessonChangeKind, LessonStatus
from kruzhok.enrollment.models import ApplicationStatus, Contract

_CONTRACT_STATUSES = (
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.ACTIVE,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.FINISHED,
)


def group_list_for_journal(*, user: User) -> QuerySet[Group]:
    """Groups whose journal the user keeps: own groups, or all of the provider's for its admins."""
    return (
        Group.objects.filter(group_staff_scope(user=user))
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
        .select_related("group__program__provider")
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


OUTSIDE_CONTRACT = "вне срока договора"


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
    closure: MonthClosure | None
    columns: list["Column"]


@dataclass(frozen=True)
class Column:
    """A lesson's column head: where it was moved from, and whether "all present" is offered
    (some child can still be marked and is not yet)."""

    lesson: Lesson
    moved_from: datetime.date | None
    can_mark_all: bool


def _cell(
    lesson: Lesson,
    contract: Contract,
    present: bool | None,
    today: datetime.date,
    closed: bool = False,
) -> Cell:
    if lesson.status == LessonStatus.CANCELLED:
        return Cell(lesson, contract, present, False, "занятие отменено")
    if lesson.date > today:
        return Cell(lesson, contract, present, False, "занятие ещё не прошло")
    if closed:
        return Cell(lesson, contract, present, False, "идёт закрытие месяца")
    if lesson.date < contract.start_date or (
        contract.terminated_on is not None and lesson.date >= contract.terminated_on
    ):
        return Cell(lesson, contract, present, False, OUTSIDE_CONTRACT)
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
    closure = month_closure_get(municipality_id=_municipality_id(group), day=first)
    rows = [
        JournalRow(
            contract=contract,
            cells=[
                _cell(
                    lesson,
                    contract,
                    marks.get((lesson.pk, contract.pk)),
                    today,
                    _frozen(closure),
                )
                for lesson in lessons
            ],
        )
        for contract in contracts
    ]
    cells = [cell for row in rows for cell in row.cells]
    mark_all = {cell.lesson.pk for cell in cells if cell.markable and cell.present is None}
    changes = lesson_changes_latest(lessons=lessons)
    columns = [
        Column(
            lesson=lesson,
            moved_from=change.from_date
            if (change := changes.get(lesson.pk)) and change.kind == LessonChangeKind.MOVED
            else None,
            can_mark_all=lesson.pk in mark_all,
        )
        for lesson in lessons
    ]
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (last + datetime.timedelta(days=1)).replace(day=1)
    return Journal(
        group=group,
        month=first,
        previous_month=previous_month,
        next_month=next_month,
        lessons=lessons,
        rows=rows,
        closure=closure,
        columns=columns,
    )


def _municipality_id(group: Group) -> int:
    return group.program.provider.municipality_id


def lesson_closure(*, lesson: Lesson) -> MonthClosure | None:
    """The closure of the lesson's month, if the operator has closed it."""
    return month_closure_get(municipality_id=_municipality_id(lesson.group), day=lesson.date)


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
    frozen = _frozen(lesson_closure(lesson=lesson))
    return [_cell(lesson, c, marks.get(c.pk), today, frozen) for c in contracts]


def _frozen(closure: MonthClosure | None) -> bool:
    """Marks of a month cannot change while it is being closed; once it is closed, a change
    is a correction billed in the next open month."""
    return closure is not None and closure.status == MonthClosureStatus.RUNNING


@dataclass(frozen=True)
class DayLesson:
    """A lesson of the teacher's day with the children to mark."""

    lesson: Lesson
    roster: list[Cell]


def teacher_day(*, user: User, day: datetime.date, own_only: bool = False) -> list[DayLesson]:
    """The lessons of the user's journals on `day` (only the groups the user teaches, with
    `own_only`), by start time, each with its roster."""
    # Access follows current staff membership: a teacher removed from the provider's staff
    # keeps the `Group.teacher` pointer but none of its children.
    groups = group_list_for_journal(user=user)
    if own_only:
        groups = groups.filter(teacher=user)
    lessons = (
        Lesson.objects.filter(group__in=groups, date=day)
        .exclude(status=LessonStatus.CANCELLED)
        .select_related("group__program")
        .order_by("start_time", "pk")
    )
    return [DayLesson(lesson=lesson, roster=lesson_roster(lesson=lesson)) for lesson in lessons]
