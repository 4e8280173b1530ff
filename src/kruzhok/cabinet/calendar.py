"""The children's lessons as a calendar: a week on the cabinet's page, and the iCalendar feed a
phone's calendar subscribes to.

A child's lessons are those of the groups the child has a contract in, from the contract's
start to its end (or the day before it was terminated). A cancelled lesson stays in both, as
cancelled; a moved lesson keeps its row, so it keeps its place in a subscribed calendar
(the same UID) and shows at its new time, with a SEQUENCE and LAST-MODIFIED that grow with
each change, so a phone replaces its copy.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import icalendar
from django.conf import settings
from django.db.models import Count, Max, Q

from kruzhok.catalog.models import Lesson, LessonChange, LessonChangeKind, LessonStatus
from kruzhok.enrollment.models import Contract
from kruzhok.families.models import Child

# An academic hour is 45 minutes: a lesson of two hours lasts an hour and a half.
ACADEMIC_HOUR = datetime.timedelta(minutes=45)
# What the feed holds: the last two months and the year ahead (a group runs at most 366 days).
FEED_PAST = datetime.timedelta(days=62)
FEED_AHEAD = datetime.timedelta(days=366)
WEEK = datetime.timedelta(days=7)


@dataclass(frozen=True)
class CalendarLesson:
    """One lesson of one child, as the calendar shows it."""

    lesson_id: int
    child: Child
    program_title: str
    group_name: str
    provider_name: str
    address: str
    starts_at: datetime.datetime  # aware, in the portal's time zone
    ends_at: datetime.datetime
    cancelled: bool
    moved_from: datetime.datetime | None  # where the lesson was first planned, if moved
    reason: str  # the provider's reason for the last change
    sequence: int  # how many times the lesson was changed
    last_modified: datetime.datetime

    @property
    def uid(self) -> str:
        # One event per lesson and child: two children of a family in one group are two events.
        return f"lesson-{self.lesson_id}-child-{self.child.pk}@kruzhok"


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _contract_spans(children: Sequence[Child]) -> list[tuple[Child, Contract, datetime.date]]:
    """(child, contract, last day of its lessons) of each of the children's contracts."""
    by_pk = {child.pk: child for child in children}
    contracts = Contract.objects.filter(application__child_id__in=list(by_pk)).select_related(
        "application__group__program__provider"
    )
    spans = []
    for contract in contracts:
        last = contract.end_date
        if contract.terminated_on is not None:
            last = min(last, contract.terminated_on - datetime.timedelta(days=1))
        if last >= contract.start_date:
            spans.append((by_pk[contract.application.child_id], contract, last))
    return spans


def child_lessons(
    *, children: Sequence[Child], first: datetime.date, last: datetime.date
) -> list[CalendarLesson]:
    """The children's lessons from `first` to `last` inclusive, in time order."""
    spans = [
        (child, contract, max(contract.start_date, first), min(end, last))
        for child, contract, end in _contract_spans(children)
    ]
    spans = [span for span in spans if span[2] <= span[3]]
    if not spans:
        return []
    condition = Q()
    for _child, contract, since, until in spans:
        condition |= Q(group_id=contract.application.group_id, date__range=(since, until))
    lessons = list(
        Lesson.objects.filter(condition)
        .annotate(changes_count=Count("changes"), changed_at=Max("changes__at"))
        .order_by("date", "start_time", "pk")
    )
    last_change: dict[int, LessonChange] = {}
    first_moved: dict[int, LessonChange] = {}
    changed = [lesson.pk for lesson in lessons if lesson.changes_count]
    for change in LessonChange.objects.filter(lesson_id__in=changed).order_by("at", "pk"):
        last_change[change.lesson_id] = change
        if change.kind == LessonChangeKind.MOVED:
            first_moved.setdefault(change.lesson_id, change)
    by_group: dict[int, list[tuple[Child, Contract, datetime.date, datetime.date]]] = defaultdict(
        list
    )
    for span in spans:
        by_group[span[1].application.group_id].append(span)
    zone = _zone()
    rows = []
    for lesson in lessons:
        for child, contract, since, until in by_group[lesson.group_id]:
            if not since <= lesson.date <= until:
                continue
            group = contract.application.group
            starts_at = datetime.datetime.combine(lesson.date, lesson.start_time, tzinfo=zone)
            moved = first_moved.get(lesson.pk)
            latest = last_change.get(lesson.pk)
            modified = max(
                contract.accepted_at,
                lesson.changed_at or contract.accepted_at,
            ).astimezone(datetime.UTC)  # iCalendar wants these two in UTC
            rows.append(
                CalendarLesson(
                    lesson_id=lesson.pk,
                    child=child,
                    program_title=group.program.title,
                    group_name=group.name,
                    provider_name=group.program.provider.short_name,
                    address=group.program.address,
                    starts_at=starts_at,
                    ends_at=starts_at + ACADEMIC_HOUR * lesson.hours,
                    cancelled=lesson.status == LessonStatus.CANCELLED,
                    moved_from=datetime.datetime.combine(
                        moved.from_date, moved.from_time, tzinfo=zone
                    )
                    if moved
                    else None,
                    reason=latest.reason if latest else "",
                    sequence=lesson.changes_count,
                    last_modified=modified,
                )
            )
    rows.sort(key=lambda row: (row.starts_at, row.child.pk, row.lesson_id))
    return rows


# The week on the cabinet's page ---------------------------------------------------------------


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the day's week."""
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class MovedAway:
    """A lesson planned on this day that the provider moved to another day."""

    program_title: str
    planned_at: datetime.datetime
    moved_to: datetime.datetime


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    is_today: bool
    lessons: list[CalendarLesson]
    moved_away: list[MovedAway] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarWeek:
    monday: datetime.date
    days: list[CalendarDay]

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def previous(self) -> datetime.date:
        return self.monday - WEEK

    @property
    def next(self) -> datetime.date:
        return self.monday + WEEK

    @property
    def is_empty(self) -> bool:
        return not any(day.lessons or day.moved_away for day in self.days)


def _moved_away(
    child: Child, first: datetime.date, last: datetime.date
) -> dict[datetime.date, list[MovedAway]]:
    """The child's lessons first planned between `first` and `last` that now stand on another
    day, by the day they left."""
    spans = _contract_spans([child])
    if not spans:
        return {}
    condition = Q()
    for _child, contract, end in spans:
        condition |= Q(
            lesson__group_id=contract.application.group_id,
            from_date__range=(contract.start_date, end),
        )
    changes = (
        LessonChange.objects.filter(condition, kind=LessonChangeKind.MOVED)
        .filter(from_date__range=(first, last))
        .select_related("lesson__group__program")
        .order_by("from_date", "from_time", "pk")
    )
    zone = _zone()
    away: dict[datetime.date, list[MovedAway]] = defaultdict(list)
    for change in changes:
        lesson = change.lesson
        if lesson.date == change.from_date:
            continue  # moved within its day: it shows at its new time
        away[change.from_date].append(
            MovedAway(
                program_title=lesson.group.program.title,
                planned_at=datetime.datetime.combine(change.from_date, change.from_time, zone),
                moved_to=datetime.datetime.combine(lesson.date, lesson.start_time, zone),
            )
        )
    return away


def child_week(*, child: Child, monday: datetime.date, today: datetime.date) -> CalendarWeek:
    """The child's lessons of the week that starts on `monday`, day by day, with the lessons
    moved away from each day."""
    sunday = monday + datetime.timedelta(days=6)
    lessons = child_lessons(children=[child], first=monday, last=sunday)
    by_day: dict[datetime.date, list[CalendarLesson]] = defaultdict(list)
    for lesson in lessons:
        by_day[lesson.starts_at.date()].append(lesson)
    away = _moved_away(child, monday, sunday)
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    return CalendarWeek(
        monday=monday,
        days=[
            CalendarDay(
                day=day, is_today=day == today, lessons=by_day[day], moved_away=away.get(day, [])
            )
            for day in days
        ],
    )


# The iCalendar feed ---------------------------------------------------------------------------


def _description(lesson: CalendarLesson) -> str:
    lines = [f"{lesson.program_title}, группа «{lesson.group_name}»", lesson.provider_name]
    if lesson.cancelled:
        lines.append("Занятие отменено.")
    elif lesson.moved_from is not None:
        lines.append(f"Перенесено с {lesson.moved_from:%d.%m.%Y %H:%M}.")
    if lesson.reason:
        lines.append(f"Причина: {lesson.reason}")
    return "\n".join(lines)


def lessons_ical(*, children: Sequence[Child], today: datetime.date, name: str = "Кружки") -> bytes:
    """The children's lessons, from two months ago to a year ahead, as an iCalendar file."""
    lessons = child_lessons(children=children, first=today - FEED_PAST, last=today + FEED_AHEAD)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Кружок//Занятия детей//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # How often a subscribed calendar should ask again (RFC 7986; Outlook reads the X- one).
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", datetime.timedelta(hours=1))
    for lesson in lessons:
        event = icalendar.Event()
        event.add("uid", lesson.uid)
        event.add("dtstamp", lesson.last_modified)
        event.add("last-modified", lesson.last_modified)
        event.add("sequence", lesson.sequence)
        event.add("dtstart", lesson.starts_at)
        event.add("dtend", lesson.ends_at)
        prefix = "Отменено: " if lesson.cancelled else ""
        event.add("summary", f"{prefix}{lesson.child.first_name}: {lesson.program_title}")
        event.add("location", lesson.address)
        event.add("description", _description(lesson))
        event.add("status", "CANCELLED" if lesson.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if lesson.cancelled else "OPAQUE")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
