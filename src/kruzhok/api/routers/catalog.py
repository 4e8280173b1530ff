"""The public catalogue: programs, their groups, free seats and schedules. No log-in needed;
the search is the pages' own (`catalog.selectors.program_search`: the same Russian stemming)."""

import datetime
from typing import Annotated, Any, Literal, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import moment_checked
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import Problem
from kruzhok.api.schemas import Money, TombstoneOut, money
from kruzhok.api.selectors import tombstone_list
from kruzhok.catalog.course_costs import group_course_cost
from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    Group,
    Lesson,
    LessonStatus,
    Program,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.catalog.selectors import (
    group_list_for_program,
    lesson_list_for_group,
    program_get_published,
    program_list_public,
    program_search,
)
from kruzhok.enrollment.selectors import enrollment_state_for_group

router = Router(tags=["Каталог"])

# Times of day are the municipality's local time (a lesson at 15:00 is at 15:00 wherever the
# client is), so they carry no offset: «ЧЧ:ММ».
LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

DirectionSlug = Literal[tuple(Direction.values)]  # type: ignore[valid-type]
SourceSlug = Literal[tuple(FinancingSource.values)]  # type: ignore[valid-type]


class ProviderBrief(Schema):
    id: int
    short_name: str
    municipality_id: int


class ProgramOut(Schema):
    id: int
    title: str
    direction: DirectionSlug  # type: ignore[valid-type]
    direction_name: str
    age_min: int = Field(description="лет")
    age_max: int = Field(description="лет")
    price_per_hour: Money
    financing_source: SourceSlug  # type: ignore[valid-type]
    accessible_ovz: bool
    address: str
    provider: ProviderBrief
    free_seats: int
    group_count: int
    updated_at: datetime.datetime


class ProgramPage(Schema):
    items: list[ProgramOut]
    next_cursor: str | None = Field(
        description="курсор следующей страницы; null — страниц больше нет"
    )
    deleted: list[TombstoneOut] = Field(
        description="с updated_since: программы, удалённые или снятые с публикации с того момента"
    )


class ProgramFilters(Schema):
    q: str = Field("", max_length=200, description="слова названия или описания, в любой форме")
    direction: DirectionSlug | None = None  # type: ignore[valid-type]
    age: int | None = Field(None, ge=0, le=18, description="возраст ребёнка, лет")
    municipality: int | None = Field(None, ge=1, le=2**31 - 1)
    financing_source: SourceSlug | None = None  # type: ignore[valid-type]
    free_seats: bool = Field(False, description="только с записью открытой и свободными местами")
    ovz: bool = Field(False, description="только адаптированные для детей с ОВЗ")
    updated_since: datetime.datetime | None = Field(
        None, description="только изменённые после этого момента (ISO 8601), по времени изменения"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


def _program_out(program: Program) -> dict[str, Any]:
    """A program as ProgramOut's fields: a dict, which the response's validation checks once
    (a ProgramOut built here would be validated twice, a third of a search's time)."""
    return {
        "id": program.pk,
        "title": program.title,
        "direction": program.direction,
        "direction_name": program.get_direction_display(),
        "age_min": program.age_min,
        "age_max": program.age_max,
        "price_per_hour": {"amount": program.price_per_hour, "currency": "RUB"},
        "financing_source": program.financing_source,
        "accessible_ovz": program.accessible_ovz,
        "address": program.address,
        "provider": {
            "id": program.provider_id,
            "short_name": program.provider.short_name,
            "municipality_id": program.provider.municipality_id,
        },
        "free_seats": getattr(program, "free_seats", 0),
        "group_count": getattr(program, "group_count", 0),
        "updated_at": program.updated_at,
    }


# What a page of programs reads: the long texts (description, search documents) and the
# provider's other columns stay in the database.
LISTED_FIELDS = (
    "title",
    "direction",
    "age_min",
    "age_max",
    "price_per_hour",
    "financing_source",
    "accessible_ovz",
    "address",
    "provider_id",
    "updated_at",
    "provider__short_name",
    "provider__municipality_id",
)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment_checked(moment, field="updated_since")


@router.get(
    "/programs",
    response={200: ProgramPage, frozenset({422, 429}): Problem},
    auth=None,
    summary="Поиск программ",
)
def program_list(request: HttpRequest, filters: Query[ProgramFilters]) -> dict[str, Any]:
    """Published programs of approved providers, matching every filter given.

    Order: with `updated_since`, by the moment of change (to sync); with `q`, programs whose
    title matches more of the query first; otherwise by title. Pages by `cursor`.
    """
    programs = program_search(
        q=filters.q,
        direction=filters.direction or "",
        age=filters.age,
        free_seats_only=filters.free_seats,
        ovz_only=filters.ovz,
        municipality_id=filters.municipality,
        financing_source=filters.financing_source or "",
    )
    since = _aware(filters.updated_since) if filters.updated_since else None
    if since is not None:
        order: tuple[str, ...] = ("updated_at", "pk")
        kinds: tuple[type, ...] = (datetime.datetime, int)
        programs = programs.filter(updated_at__gt=since)
    elif filters.q.strip():
        order, kinds = ("-title_hits", "title", "pk"), (int, str, int)
    else:
        order, kinds = ("title", "pk"), (str, int)
    rows, next_cursor = keyset_page(
        programs.only(*LISTED_FIELDS),
        order=order,
        kinds=kinds,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    deleted: list[TombstoneOut] = []
    if since is not None and not filters.cursor:
        deleted = _programs_gone(since)
    return {
        "items": [_program_out(p) for p in rows],
        "next_cursor": next_cursor,
        "deleted": deleted,
    }


def _programs_gone(since: datetime.datetime) -> list[TombstoneOut]:
    """Programs deleted since, and programs changed since that the catalogue no longer shows
    (unpublished, archived, their provider suspended)."""
    gone = _buried("program", since, cursor=None)
    hidden = (
        Program.objects.filter(updated_at__gt=since)
        .exclude(pk__in=program_list_public().values("pk"))
        .exclude(state=ProgramState.DRAFT)
        .values_list("pk", "updated_at")
    )
    gone.extend(TombstoneOut(id=pk, deleted_at=at) for pk, at in hidden)
    return gone


class SlotOut(Schema):
    weekday: int = Field(description="0 — понедельник … 6 — воскресенье")
    weekday_name: str
    start_time: str = Field(pattern=LOCAL_TIME, description="местное время начала, ЧЧ:ММ")
    hours: int = Field(description="академических часов")


class GroupOut(Schema):
    id: int
    program_id: int
    name: str
    capacity: int
    free_seats: int
    start_date: datetime.date
    end_date: datetime.date
    enrollment_open: bool = Field(description="принимает ли группа заявки сейчас")
    enrollment_message: str
    auto_accept: bool
    cost_per_month: Money = Field(description="средняя стоимость месяца, если начать сегодня")
    cost_rest_of_course: Money = Field(description="стоимость оставшейся части курса")
    schedule: list[SlotOut]
    updated_at: datetime.datetime


class ProgramDetail(ProgramOut):
    description: str
    program_type: str
    level: str
    study_form: str
    duration_months: int
    hours_per_week: int
    groups: list[GroupOut]


def _slot_out(slot: ScheduleSlot) -> SlotOut:
    return SlotOut(
        weekday=slot.weekday,
        weekday_name=slot.get_weekday_display(),
        start_time=f"{slot.start_time:%H:%M}",
        hours=slot.hours,
    )


def _group_out(group: Group, today: datetime.date) -> GroupOut:
    state = enrollment_state_for_group(group)
    cost = group_course_cost(group=group, today=today)
    return GroupOut(
        id=group.pk,
        program_id=group.program_id,
        name=group.name,
        capacity=group.capacity,
        free_seats=group.free_seats,
        start_date=group.start_date,
        end_date=group.end_date,
        enrollment_open=state.is_open,
        enrollment_message=state.message,
        auto_accept=group.auto_accept,
        cost_per_month=money(cost.per_month),
        cost_rest_of_course=money(cost.total),
        schedule=[_slot_out(slot) for slot in group.schedule.all()],
        updated_at=group.updated_at,
    )


IdPath = Annotated[int, Field(ge=1, le=2**31 - 1)]


@router.get(
    "/programs/{program_id}",
    response={200: ProgramDetail, frozenset({404, 422, 429}): Problem},
    auth=None,
    summary="Программа",
)
def program_detail(request: HttpRequest, program_id: IdPath) -> ProgramDetail:
    """A published program with its unfinished groups, their free seats, costs and schedule."""
    program = program_get_published(pk=program_id)
    today = timezone.localdate()
    groups = list(group_list_for_program(program=program))
    for group in groups:
        group.program = program
    figures = _program_out(program)
    figures["free_seats"] = sum(g.free_seats for g in groups if g.enrollment_open)
    figures["group_count"] = len(groups)
    return ProgramDetail(
        **figures,
        description=program.description,
        program_type=program.program_type,
        level=program.level,
        study_form=program.study_form,
        duration_months=program.duration_months,
        hours_per_week=program.hours_per_week,
        groups=[_group_out(group, today) for group in groups],
    )


class LessonOut(Schema):
    id: int
    date: datetime.date
    start_time: str = Field(pattern=LOCAL_TIME, description="местное время начала, ЧЧ:ММ")
    hours: int
    cancelled: bool
    updated_at: datetime.datetime


class GroupDetail(GroupOut):
    lessons: list[LessonOut] = Field(description="занятия с сегодняшнего дня")


@router.get(
    "/groups/{group_id}",
    response={200: GroupDetail, frozenset({404, 422, 429}): Problem},
    auth=None,
    summary="Группа",
)
def group_detail(request: HttpRequest, group_id: IdPath) -> GroupDetail:
    """A group of a published program: seats, schedule, costs and its lessons from today."""
    group = get_object_or_404(
        Group.objects.select_related("program").prefetch_related("schedule"),
        pk=group_id,
        program__in=program_list_public(),
    )
    today = timezone.localdate()
    lessons = lesson_list_for_group(group=group, date_from=today)
    return GroupDetail(
        **_group_out(group, today).model_dump(),
        lessons=[_lesson_out(lesson) for lesson in lessons[:500]],
    )


def _lesson_out(lesson: Lesson) -> LessonOut:
    return LessonOut(
        id=lesson.pk,
        date=lesson.date,
        start_time=f"{lesson.start_time:%H:%M}",
        hours=lesson.hours,
        cancelled=lesson.status == LessonStatus.CANCELLED,
        updated_at=lesson.updated_at,
    )


# Sync: what changed since a moment, page by page, with what was deleted. ---------------------


class SyncFilters(Schema):
    updated_since: datetime.datetime | None = Field(
        None, description="только изменённые после этого момента (ISO 8601); без него — все"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class GroupFilters(SyncFilters):
    program: int | None = Field(None, ge=1, le=2**31 - 1, description="только группы программы")
    municipality: int | None = Field(None, ge=1, le=2**31 - 1)


class GroupSyncOut(Schema):
    id: int
    program_id: int
    name: str
    capacity: int
    free_seats: int
    start_date: datetime.date
    end_date: datetime.date
    enrollment_switched_on: bool = Field(
        description="выключатель записи организации (окна записи — на странице группы)"
    )
    auto_accept: bool
    schedule: list[SlotOut]
    updated_at: datetime.datetime


class GroupPage(Schema):
    items: list[GroupSyncOut]
    next_cursor: str | None
    deleted: list[TombstoneOut] = Field(description="с updated_since: группы, удалённые с тех пор")


def _since(filters: SyncFilters) -> datetime.datetime | None:
    return _aware(filters.updated_since) if filters.updated_since else None


def _buried(kind: str, since: datetime.datetime | None, cursor: str | None) -> list[TombstoneOut]:
    """Tombstones of `kind` since the moment, on the first page of a sync only."""
    if since is None or cursor:
        return []
    rows = tombstone_list(kind=kind, since=since)
    return [TombstoneOut(id=row.object_id, deleted_at=row.deleted_at) for row in rows]


Synced = TypeVar("Synced", Group, Lesson)


def _sync_page(
    rows: QuerySet[Synced], filters: SyncFilters, kind: str
) -> tuple[list[Synced], str | None, list[TombstoneOut]]:
    """A page of the rows changed after `updated_since` (of all without it) by the moment of
    change, then id; its next cursor; and, on a sync's first page, the `kind` deleted since."""
    since = _since(filters)
    if since is not None:
        rows = rows.filter(updated_at__gt=since)
    page, next_cursor = keyset_page(
        rows,
        order=("updated_at", "pk"),
        kinds=(datetime.datetime, int),
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return page, next_cursor, _buried(kind, since, filters.cursor)


@router.get(
    "/groups",
    response={200: GroupPage, frozenset({422, 429}): Problem},
    auth=None,
    summary="Группы: синхронизация",
)
def group_list(request: HttpRequest, filters: Query[GroupFilters]) -> GroupPage:
    """Groups of published programs, by the moment of their change (a group's change moves
    it: its seats, dates, switch or schedule; seat counts alone do not), then by id. A client
    keeps a copy in sync by asking with `updated_since` the moment of its last sync; groups of
    programs gone from the catalogue come under the programs' `deleted`."""
    groups = Group.objects.filter(program__in=program_list_public()).prefetch_related("schedule")
    if filters.program is not None:
        groups = groups.filter(program_id=filters.program)
    if filters.municipality is not None:
        groups = groups.filter(program__provider__municipality_id=filters.municipality)
    rows, next_cursor, deleted = _sync_page(groups, filters, "group")
    return GroupPage(
        items=[
            GroupSyncOut(
                id=group.pk,
                program_id=group.program_id,
                name=group.name,
                capacity=group.capacity,
                free_seats=group.free_seats,
                start_date=group.start_date,
                end_date=group.end_date,
                enrollment_switched_on=group.enrollment_open,
                auto_accept=group.auto_accept,
                schedule=[_slot_out(slot) for slot in group.schedule.all()],
                updated_at=group.updated_at,
            )
            for group in rows
        ],
        next_cursor=next_cursor,
        deleted=deleted,
    )


class LessonFilters(SyncFilters):
    group: int | None = Field(None, ge=1, le=2**31 - 1, description="только занятия группы")


class LessonSyncOut(LessonOut):
    group_id: int


class LessonPage(Schema):
    items: list[LessonSyncOut]
    next_cursor: str | None
    deleted: list[TombstoneOut] = Field(
        description="с updated_since: занятия, удалённые с тех пор (расписание изменилось)"
    )


@router.get(
    "/lessons",
    response={200: LessonPage, frozenset({404, 422, 429}): Problem},
    auth=None,
    summary="Занятия группы: синхронизация",
)
def lesson_sync(request: HttpRequest, filters: Query[LessonFilters]) -> LessonPage:
    """Lessons of published programs' groups (or of one group) by the moment of their change
    (created, cancelled, moved), then by id: with `updated_since`, what a calendar must
    update; the deleted ones (a schedule rewritten) under `deleted`."""
    lessons = Lesson.objects.filter(group__program__in=program_list_public())
    if filters.group is not None:
        group = get_object_or_404(Group, pk=filters.group, program__in=program_list_public())
        lessons = lessons.filter(group=group)
    rows, next_cursor, deleted = _sync_page(lessons, filters, "lesson")
    return LessonPage(
        items=[
            LessonSyncOut(**_lesson_out(lesson).model_dump(), group_id=lesson.group_id)
            for lesson in rows
        ],
        next_cursor=next_cursor,
        deleted=deleted,
    )
