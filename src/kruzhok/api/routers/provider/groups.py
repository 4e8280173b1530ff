"""The organisation's groups, their weekly schedules and lessons."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import READ_ERRORS, IdPath, LocalTime, date_checked, local_time
from kruzhok.api.problems import Problem
from kruzhok.api.routers.provider.access import caller_of, memberships, within_token
from kruzhok.catalog import cabinet
from kruzhok.catalog.models import Group, Lesson, LessonStatus
from kruzhok.catalog.selectors import lesson_list_for_group

router = Router()


class CabinetSlot(Schema):
    weekday: int = Field(description="0 — понедельник … 6 — воскресенье")
    start_time: LocalTime
    hours: int


class CabinetGroup(Schema):
    id: int
    program_id: int
    provider_id: int
    name: str
    teacher_id: int | None
    teacher_name: str
    capacity: int
    seats_taken: int
    start_date: datetime.date
    end_date: datetime.date
    enrollment_open: bool
    auto_accept: bool
    schedule: list[CabinetSlot]
    updated_at: datetime.datetime


def group_out(group: Group, provider_id: int) -> CabinetGroup:
    return CabinetGroup(
        id=group.pk,
        program_id=group.program_id,
        provider_id=provider_id,
        name=group.name,
        teacher_id=group.teacher_id,
        teacher_name=group.teacher.full_name if group.teacher else "",
        capacity=group.capacity,
        seats_taken=group.seats_taken,
        start_date=group.start_date,
        end_date=group.end_date,
        enrollment_open=group.enrollment_open,
        auto_accept=group.auto_accept,
        schedule=[
            CabinetSlot(weekday=s.weekday, start_time=local_time(s.start_time), hours=s.hours)
            for s in group.schedule.all()
        ],
        updated_at=group.updated_at,
    )


@router.get(
    "/groups",
    response={200: list[CabinetGroup], READ_ERRORS: Problem},
    summary="Группы организации",
    url_name="provider_group_list",
)
def group_list(request: HttpRequest) -> list[CabinetGroup]:
    """The unfinished groups of the caller's organisations, soonest first, as the cabinet's
    home page lists them."""
    caller = caller_of(request)
    return [
        group_out(group, membership.provider_id)
        for membership in memberships(caller)
        for group in cabinet.group_list_for_provider(provider=membership.provider)
    ]


@router.get(
    "/groups/{group_id}",
    response={200: CabinetGroup, READ_ERRORS: Problem},
    summary="Группа",
    url_name="provider_group_detail",
)
def group_detail(request: HttpRequest, group_id: IdPath) -> CabinetGroup:
    """A group of the caller's organisation with its teacher, seats and weekly schedule; 404
    for another organisation's."""
    caller = caller_of(request)
    group, access = cabinet.group_get_for_staff(user=caller.user, pk=group_id)
    within_token(caller, access.provider.pk, "Группа не найдена")
    return group_out(group, access.provider.pk)


class CabinetLesson(Schema):
    id: int
    group_id: int
    date: datetime.date
    start_time: LocalTime
    hours: int
    cancelled: bool
    updated_at: datetime.datetime


class LessonFilters(Schema):
    date_from: datetime.date | None = Field(None, description="с этого дня включительно")
    date_to: datetime.date | None = Field(None, description="по этот день включительно")


def _lesson_out(lesson: Lesson) -> CabinetLesson:
    return CabinetLesson(
        id=lesson.pk,
        group_id=lesson.group_id,
        date=lesson.date,
        start_time=local_time(lesson.start_time),
        hours=lesson.hours,
        cancelled=lesson.status == LessonStatus.CANCELLED,
        updated_at=lesson.updated_at,
    )


@router.get(
    "/groups/{group_id}/lessons",
    response={200: list[CabinetLesson], READ_ERRORS: Problem},
    summary="Занятия группы",
    url_name="provider_lesson_list",
)
def lesson_list(
    request: HttpRequest, group_id: IdPath, filters: Query[LessonFilters]
) -> list[CabinetLesson]:
    """The group's lessons in date order, cancelled ones included, within the dates given."""
    caller = caller_of(request)
    group, access = cabinet.group_get_for_staff(user=caller.user, pk=group_id)
    within_token(caller, access.provider.pk, "Группа не найдена")
    lessons = lesson_list_for_group(
        group=group,
        date_from=date_checked(filters.date_from, field="date_from"),
        date_to=date_checked(filters.date_to, field="date_to"),
    )
    return [_lesson_out(lesson) for lesson in lessons]
