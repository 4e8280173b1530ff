"""Catalogue writes: programs, groups, schedules and lessons (the groups' seats are counted in
`catalog.seats`; providers and their staff are the `providers` app's).

Every function validates what a user could get wrong and raises django's ValidationError keyed by
field, in Russian, so that forms and the API can show the message next to the field.
"""

import datetime
from collections.abc import Iterable
from typing import Any

import holidays
from django.db import models, transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog.cabinet import lessons_with_history
from kruzhok.catalog.lesson_changes import lesson_slots_vacated
from kruzhok.catalog.models import (
    Direction,
    Group,
    Lesson,
    Program,
    ProgramLevel,
    ProgramState,
    ProgramType,
    ScheduleSlot,
    StudyForm,
    Weekday,
)
from kruzhok.common.field_errors import Errors, error_add, full_clean_or_raise
from kruzhok.common.search import search_document
from kruzhok.providers.models import Provider, ProviderStaff

AGE_MIN = 5
AGE_MAX = 18
SLOT_HOURS_MAX = 8

# Fields program_update may change; state and provider have their own transitions.
PROGRAM_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "direction",
        "age_min",
        "age_max",
        "duration_months",
        "hours_per_week",
        "price_per_hour",
        "financing_source",
        "address",
        "study_form",
        "program_type",
        "level",
        "accessible_ovz",
    }
)

ScheduleEntry = tuple[int, datetime.time, int]


# Providers' names in the programs' search documents ------------------------------------------


def provider_search_refresh(*, provider: Provider) -> int:
    """Rebuild the search documents of the provider's programs (its name is part of them).

    Called when the provider is renamed (connected to providers.services.provider_renamed in
    CatalogConfig.ready).
    """
    programs = list(provider.programs.all())
    for program in programs:
        program.provider = provider
        _fill_search(program)
    Program.objects.bulk_update(programs, ["search_document", "title_document"])
    return len(programs)


# Programs ----------------------------------------------------------------------------------


def _fill_search(program: Program) -> None:
    label = Direction(program.direction).label if program.direction in Direction.values else ""
    program.search_document = search_document(
        program.title, program.description, program.provider.short_name, str(label)
    )
    program.title_document = search_document(program.title)


def _program_errors(program: Program) -> Errors:
    errors: Errors = {}
    if not program.title.strip():
        error_add(errors, "title", "Укажите название программы.")
    if not program.description.strip():
        error_add(errors, "description", "Опишите программу: чему научится ребёнок.")
    if not program.address.strip() and program.study_form != StudyForm.DISTANCE:
        error_add(errors, "address", "Укажите адрес, где проходят занятия.")
    for field in ("age_min", "age_max"):
        age = getattr(program, field)
        if not isinstance(age, int) or not AGE_MIN <= age <= AGE_MAX:
            error_add(errors, field, f"Возраст — целое число лет от {AGE_MIN} до {AGE_MAX}.")
    if "age_min" not in errors and "age_max" not in errors and program.age_min > program.age_max:
        error_add(errors, "age_max", "Возраст «до» не может быть меньше возраста «от».")
    if not isinstance(program.duration_months, int) or program.duration_months < 1:
        error_add(errors, "duration_months", "Продолжительность — не меньше одного месяца.")
    if not isinstance(program.hours_per_week, int) or program.hours_per_week < 1:
        error_add(errors, "hours_per_week", "Укажите хотя бы один академический час в неделю.")
    price = program.price_per_hour
    if isinstance(price, bool) or not isinstance(price, int):
        error_add(errors, "price_per_hour", "Стоимость часа указывается в копейках, целым числом.")
    elif price < 0:
        error_add(errors, "price_per_hour", "Стоимость часа не может быть отрицательной.")
    return errors


def _program_save(program: Program, *, update_fields: Iterable[str] | None = None) -> None:
    program.title = program.title.strip()
    program.address = program.address.strip()
    full_clean_or_raise(program, _program_errors(program))
    _fill_search(program)
    if update_fields is None:
        program.save()
    else:
        fields = {*update_fields, "search_document", "title_document", "updated_at"}
        program.save(update_fields=sorted(fields))


@transaction.atomic
def program_create(
    *,
    provider: Provider,
    title: str,
    description: str,
    direction: str,
    age_min: int,
    age_max: int,
    duration_months: int,
    hours_per_week: int,
    price_per_hour: int,
    financing_source: str,
    address: str,
    study_form: str = StudyForm.FULL_TIME,
    program_type: str = ProgramType.GENERAL,
    level: str = ProgramLevel.INITIAL,
    accessible_ovz: bool = False,
    state: str = ProgramState.DRAFT,
) -> Program:
    """A new program of the provider, a draft unless told otherwise.

    Guarantees: ages are whole years within 5..18 and from <= to; duration and weekly hours are
    positive; the price per academic hour is whole non-negative kopecks; every choice is one of
    the stable codes; the search documents match the text.
    """
    program = Program(
        provider=provider,
        title=title,
        description=description,
        direction=direction,
        age_min=age_min,
        age_max=age_max,
        duration_months=duration_months,
        hours_per_week=hours_per_week,
        price_per_hour=price_per_hour,
        financing_source=financing_source,
        address=address,
        study_form=study_form,
        program_type=program_type,
        level=level,
        accessible_ovz=accessible_ovz,
        state=state,
    )
    _program_save(program)
    return program


@transaction.atomic
def program_update(*, program: Program, **fields: Any) -> Program:
    """Change the program's description fields with the same checks as program_create.

    The search documents follow the text. A new price applies to contracts concluded from now
    on: concluded contracts keep the price they were signed at. State and provider are not
    changed here (TypeError): they have their own transitions.
    """
    unknown = set(fields) - PROGRAM_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"program_update cannot change {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(program, name, value)
    _program_save(program, update_fields=fields)
    return program


def program_search_refresh(*, program: Program) -> None:
    """Rebuild the program's search documents (after an edit that bypassed program_update)."""
    _fill_search(program)
    program.save(update_fields=["search_document", "title_document"])


def program_publish(*, program: Program) -> Program:
    """Publish the program without moderation: for loading trusted data (demo, imports).

    People publish through moderation.program_submit and program_approve, which keep history.
    """
    program.state = ProgramState.PUBLISHED
    program.save(update_fields=["state", "updated_at"])
    return program


# Groups, schedules, lessons ----------------------------------------------------------------


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
) -> Errors:
    errors: Errors = {}
    if not name.strip():
        error_add(errors, "name", "Дайте группе название, например «Группа 1».")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        error_add(errors, "capacity", "В группе должно быть хотя бы одно место.")
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
) -> Group:
    """A study group with its weekly schedule and its lessons already generated.

    Guarantees: at least one seat; the end is not before the start; each schedule entry is a
    weekday 0 (Monday)..6 at a distinct time lasting 1..8 academic hours; the teacher, if any,
    works for the program's provider.
    """
    errors = _group_errors(
        program=program,
        name=name,
        capacity=capacity,
        start_date=start_date,
        end_date=end_date,
        schedule=schedule,
        teacher=teacher,
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
    ScheduleSlot.objects.bulk_create(
        ScheduleSlot(group=group, weekday=weekday, start_time=start_time, hours=hours)
        for weekday, start_time, hours in schedule
    )
    lessons_generate(group=group)
    return group


def _lesson_plan(
    schedule: list[ScheduleEntry], start: datetime.date, end: datetime.date
) -> dict[tuple[datetime.date, datetime.time], int]:
    """Hours of each (date, start time) the schedule puts between start and end, holidays off."""
    plan: dict[tuple[datetime.date, datetime.time], int] = {}
    if start > end:
        return plan
    days_off = _days_off(start, end)
    day = start
    while day <= end:
        if day not in days_off:
            for weekday, start_time, hours in schedule:
                if weekday == day.weekday():
                    plan[(day, start_time)] = hours
        day += datetime.timedelta(days=1)
    return plan


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
    cancellation — see cabinet.lessons_with_history), are never changed or deleted, and the
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
    )
    if "capacity" not in errors and capacity < group.seats_taken:
        error_add(
            errors,
            "capacity",
            f"Уже занято мест: {group.seats_taken}. Мест не может стать меньше.",
        )
    history_ids = set(lessons_with_history(group=group).values_list("pk", flat=True))
    kept = Lesson.objects.filter(group=group).filter(
        models.Q(pk__in=history_ids) | models.Q(date__lte=today)
    )
    bounds = kept.aggregate(first=models.Min("date"), last=models.Max("date"))
    if start_date and bounds["first"] and start_date > bounds["first"]:
        error_add(
            errors,
            "start_date",
            f"Занятие {bounds['first']:%d.%m.%Y} уже проведено или отмечено в журнале: "
            "начало не может быть позже него.",
        )
    if end_date and bounds["last"] and end_date < bounds["last"]:
        error_add(
            errors,
            "end_date",
            f"Занятие {bounds['last']:%d.%m.%Y} уже проведено или отмечено в журнале: "
            "окончание не может быть раньше него.",
        )
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
    ScheduleSlot.objects.bulk_create(
        ScheduleSlot(group=group, weekday=weekday, start_time=start_time, hours=hours)
        for weekday, start_time, hours in schedule
    )
    tomorrow = today + datetime.timedelta(days=1)
    plan = _lesson_plan(schedule, max(start_date, tomorrow), end_date)
    free = Lesson.objects.filter(group=group, date__gte=tomorrow).exclude(pk__in=history_ids)
    stale: list[int] = []
    for lesson in free:
        hours = plan.get((lesson.date, lesson.start_time))
        if hours is None:
            stale.append(lesson.pk)
        elif hours != lesson.hours:
            lesson.hours = hours
            lesson.save(update_fields=["hours"])
    Lesson.objects.filter(pk__in=stale).delete()
    lessons_generate(group=group, date_from=tomorrow)
    return group


def _days_off(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """Russian public holidays and the non-working days the government moved next to them."""
    calendar = holidays.country_holidays("RU", years=range(start.year, end.year + 1))
    return set(calendar.keys())


@transaction.atomic
def lessons_generate(*, group: Group, date_from: datetime.date | None = None) -> int:
    """Create the group's lessons from its schedule between its start and end dates
    (from `date_from` on, when given: a changed schedule never adds lessons to the past).

    Dates that are Russian public holidays or non-working days (4 November, 1–8 January...)
    are skipped. Idempotent: a lesson already present at that date and time, cancelled or not,
    is kept as it is, so running twice creates nothing new. Returns how many were created.
    """
    # Serialise generators of the same group so the difference below stays exact.
    group = Group.objects.select_for_update().get(pk=group.pk)
    slots = list(group.schedule.all())
    if not slots:
        return 0
    slots_by_weekday: dict[int, list[ScheduleSlot]] = {}
    for slot in slots:
        slots_by_weekday.setdefault(slot.weekday, []).append(slot)
    days_off = _days_off(group.start_date, group.end_date)
    existing = set(group.lessons.values_list("date", "start_time"))
    # A slot a lesson was moved away from stays empty (recorded by catalog.LessonChange).
    existing |= lesson_slots_vacated(group_id=group.pk)
    new_lessons: list[Lesson] = []
    day = max(group.start_date, date_from) if date_from else group.start_date
    while day <= group.end_date:
        if day not in days_off:
            for slot in slots_by_weekday.get(day.weekday(), []):
                if (day, slot.start_time) not in existing:
                    new_lessons.append(
                        Lesson(group=group, date=day, start_time=slot.start_time, hours=slot.hours)
                    )
        day += datetime.timedelta(days=1)
    Lesson.objects.bulk_create(new_lessons, batch_size=500)
    return len(new_lessons)
