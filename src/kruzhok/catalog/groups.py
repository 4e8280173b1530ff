"""Group writes: a study group of a program with its weekly schedule, and changing them while
what has already happened stays (the lessons themselves: `catalog.lessons`; the seats:
`catalog.seats`).

Every function validates what a user could get wrong and raises django's ValidationError keyed by
field, in Russian, so that forms, the XLSX import and the API can show the message next to the
field.
"""

import datetime

from django.db import models, transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog.lessons import (
    GROUP_DAYS_MAX,
    lesson_plan,
    lessons_generate,
    lessons_with_history,
)
from kruzhok.catalog.models import Group, Lesson, Program, ScheduleEntry, ScheduleSlot, Weekday
from kruzhok.common.bounds import DATE_MIN, plan_horizon
from kruzhok.common.field_errors import Errors, error_add, full_clean_or_raise
from kruzhok.providers.models import ProviderStaff

SLOT_HOURS_MAX = 8
CAPACITY_MAX = 500


def _schedule_errors(schedule: list[ScheduleEntry]) -> list[str]:
    if not schedule:
        return ["Добавьте в расписание хотя бы одно занятие."]
    messages: list[str] = []
    seen: set[tuple[int, datetime.time]] = set()
    for weekday, start_time, hours in schedule:
        if weekday not in Weekday.values:
            messages.append("День недели указан неверно.")
        elif not 1 <= hours <= SLOT_HOURS_MAX:
            messages.append(
                f"Занятие длится от 1 до {SLOT_HOURS_MAX} академических часов, а не {hours}."
            )
        elif (weekday, start_time) in seen:
            messages.append(
                f"Занятие в {Weekday(weekday).label} в {start_time:%H:%M} указано дважды."
            )
        seen.add((weekday, start_time))
    return messages


def _group_errors(
    *,
    program: Program,
    name: str,
    capacity: int,
    start_date: datetime.date,
    end_date: datetime.date,
    schedule: list[ScheduleEntry],
    teacher: User | None,
    today: datetime.date,
    stored: tuple[datetime.date, datetime.date] | None = None,
) -> Errors:
    errors: Errors = {}
    _dates_in_range(errors, start_date, end_date, today=today, stored=stored)
    if not name.strip():
        error_add(errors, "name", "Дайте группе название, например «Группа 1».")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        error_add(errors, "capacity", "В группе должно быть хотя бы одно место.")
    elif capacity > CAPACITY_MAX:
        error_add(errors, "capacity", f"Не больше {CAPACITY_MAX} мест.")
    if start_date and end_date and end_date < start_date:
        error_add(errors, "end_date", "Окончание занятий не может быть раньше начала.")
    schedule_messages = _schedule_errors(schedule)
    if schedule_messages:
        errors["schedule"] = schedule_messages
    if (
        teacher is not None
        and not ProviderStaff.objects.filter(provider_id=program.provider_id, user=teacher).exists()
    ):
        error_add(errors, "teacher", "Педагог должен быть сотрудником этого поставщика.")
    return errors


def _dates_in_range(
    errors: Errors,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
    stored: tuple[datetime.date, datetime.date] | None,
) -> None:
    """A group's dates lie within the stated range of dates (common.bounds: from DATE_MIN to
    the planning horizon) and it runs at most GROUP_DAYS_MAX days, so its lessons are
    bounded. A date the group already has (`stored`) is not checked against the range again:
    an old group keeps its dates when only its name changes.

    The range starts at a fixed date rather than «a year ago»: a provider moving a running
    catalogue to the portal may record last year's groups, and the bound that matters for the
    lessons is the length."""
    low = DATE_MIN
    high = plan_horizon(today)
    old_start, old_end = stored or (None, None)
    if start and start != old_start and not low <= start <= high:
        error_add(errors, "start_date", f"Начало занятий — с {low:%d.%m.%Y} по {high:%d.%m.%Y}.")
    if end and end != old_end and not low <= end <= high:
        error_add(
            errors,
            "end_date",
            f"Окончание занятий — не позже {high:%d.%m.%Y}."
            if end > high
            else f"Окончание занятий — не раньше {low:%d.%m.%Y}.",
        )
    elif start and end and (end - start).days > GROUP_DAYS_MAX - 1 and "start_date" not in errors:
        last = start + datetime.timedelta(days=GROUP_DAYS_MAX - 1)
        error_add(
            errors,
            "end_date",
            f"Группа занимается не дольше года: окончание — не позже {last:%d.%m.%Y}. "
            "На следующий учебный год заведите новую группу.",
        )


def _schedule_slots_create(group: Group, schedule: list[ScheduleEntry]) -> None:
    ScheduleSlot.objects.bulk_create(
        ScheduleSlot(group=group, weekday=weekday, start_time=start_time, hours=hours)
        for weekday, start_time, hours in schedule
    )


@transaction.atomic
def group_create(
    *,
    program: Program,
    name: str,
    capacity: int,
    start_date: datetime.date,
    end_date: datetime.date,
    schedule: list[ScheduleEntry],
    teacher: User | None = None,
    enrollment_open: bool = True,
    auto_accept: bool = False,
    today: datetime.date | None = None,
) -> Group:
    """A study group with its weekly schedule and its lessons already generated.

    Guarantees: 1..CAPACITY_MAX seats; the end is not before the start; the dates lie between
    DATE_MIN and the planning horizon (common.bounds) and the group runs at most
    GROUP_DAYS_MAX days, so its lessons are bounded; each schedule entry is a weekday
    0 (Monday)..6 at a distinct time lasting 1..8 academic hours; the teacher, if any, works
    for the program's provider. `today` is for tests.
    """
    errors = _group_errors(
        program=program,
        name=name,
        capacity=capacity,
        start_date=start_date,
        end_date=end_date,
        schedule=schedule,
        teacher=teacher,
        today=today or timezone.localdate(),
    )
    group = Group(
        program=program,
        name=name.strip(),
        capacity=capacity,
        start_date=start_date,
        end_date=end_date,
        teacher=teacher,
        enrollment_open=enrollment_open,
        auto_accept=auto_accept,
    )
    full_clean_or_raise(group, errors)
    group.save()
    _schedule_slots_create(group, schedule)
    lessons_generate(group=group)
    return group


@transaction.atomic
def group_update(
    *,
    group: Group,
    name: str,
    capacity: int,
    start_date: datetime.date,
    end_date: datetime.date,
    schedule: list[ScheduleEntry],
    teacher: User | None = None,
    enrollment_open: bool = True,
    auto_accept: bool = False,
    today: datetime.date | None = None,
) -> Group:
    """Change a group and its weekly schedule; its lessons from tomorrow on follow the new one.

    What has happened stays: lessons up to today (today's may just have been held), and
    lessons that anything refers to (attendance marks, charges, a recorded move or
    cancellation — see lessons.lessons_with_history), are never changed or deleted, and the
    new dates must keep them inside. Later lessons without history are kept where the new
    schedule still has them (their hours follow it, a cancellation stays), deleted where it
    has not, and the missing ones are generated. The capacity never drops below the seats
    taken. Checks as group_create; ValidationError keyed by field, nothing saved on error.
    `today` is for tests.
    """
    today = today or timezone.localdate()
    group = Group.objects.select_for_update().select_related("program").get(pk=group.pk)
    errors = _group_errors(
        program=group.program,
        name=name,
        capacity=capacity,
        start_date=start_date,
        end_date=end_date,
        schedule=schedule,
        teacher=teacher,
        today=today,
        stored=(group.start_date, group.end_date),
    )
    if "capacity" not in errors and capacity < group.seats_taken:
        error_add(
            errors, "capacity", f"Уже занято мест: {group.seats_taken}. Мест не может стать меньше."
        )
    history_ids = set(lessons_with_history(group=group).values_list("pk", flat=True))
    _dates_keep_history(errors, group, history_ids, today, start=start_date, end=end_date)
    group.name = name.strip()
    group.capacity = capacity
    group.start_date = start_date
    group.end_date = end_date
    group.teacher = teacher
    group.enrollment_open = enrollment_open
    group.auto_accept = auto_accept
    full_clean_or_raise(group, errors)
    group.save()
    group.schedule.all().delete()
    _schedule_slots_create(group, schedule)
    _lessons_follow_schedule(group, schedule, history_ids, today)
    return group


def _dates_keep_history(
    errors: Errors,
    group: Group,
    history_ids: set[int],
    today: datetime.date,
    *,
    start: datetime.date,
    end: datetime.date,
) -> None:
    """The new dates must keep inside them every lesson held (up to today) or with history."""
    kept = Lesson.objects.filter(group=group).filter(
        models.Q(pk__in=history_ids) | models.Q(date__lte=today)
    )
    bounds = kept.aggregate(first=models.Min("date"), last=models.Max("date"))
    if start and bounds["first"] and start > bounds["first"]:
        error_add(
            errors,
            "start_date",
            f"Занятие {bounds['first']:%d.%m.%Y} уже проведено или отмечено в журнале: "
            "начало не может быть позже него.",
        )
    if end and bounds["last"] and end < bounds["last"]:
        error_add(
            errors,
            "end_date",
            f"Занятие {bounds['last']:%d.%m.%Y} уже проведено или отмечено в журнале: "
            "окончание не может быть раньше него.",
        )


def _lessons_follow_schedule(
    group: Group, schedule: list[ScheduleEntry], history_ids: set[int], today: datetime.date
) -> None:
    """From tomorrow on, the lessons without history follow the new schedule: kept where it
    still has them (with its hours), deleted where it has not, the missing ones generated."""
    tomorrow = today + datetime.timedelta(days=1)
    plan = lesson_plan(schedule, max(group.start_date, tomorrow), group.end_date)
    free = Lesson.objects.filter(group=group, date__gte=tomorrow).exclude(pk__in=history_ids)
    stale: list[int] = []
    for lesson in free:
        hours = plan.get((lesson.date, lesson.start_time))
        if hours is None:
            stale.append(lesson.pk)
        elif hours != lesson.hours:
            lesson.hours = hours
            lesson.save(update_fields=["hours", "updated_at"])
    Lesson.objects.filter(pk__in=stale).delete()
    lessons_generate(group=group, date_from=tomorrow)
