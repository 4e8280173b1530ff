"""Catalogue reads: the public search, a program's page, its groups and lessons."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kruzhok.catalog.models import (
    Group,
    Lesson,
    LessonStatus,
    Program,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.common.search import search_terms
from kruzhok.providers.models import ProviderStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ProgramFigures(TypedDict):
    """What program_search annotates on each program."""

    free_seats: int
    group_count: int
    title_hits: int


def program_list_public() -> QuerySet[Program]:
    """Programs anyone may see: published, of an approved provider."""
    return Program.objects.filter(
        state=ProgramState.PUBLISHED, provider__status=ProviderStatus.APPROVED
    )


def _current_groups(today: datetime.date) -> QuerySet[Group]:
    """Groups of the outer program that have not finished yet."""
    return Group.objects.filter(program=OuterRef("pk"), end_date__gte=today)


def program_search(
    *,
    q: str = "",
    direction: str = "",
    age: int | None = None,
    free_seats_only: bool = False,
    ovz_only: bool = False,
    municipality_id: int | None = None,
    financing_source: str = "",
    weekday: int | None = None,
    price_max: int | None = None,
    sort: str = "relevance",
) -> "QuerySet[WithAnnotations[Program, ProgramFigures]]":
    """The catalogue: published programs of approved providers matching every given filter.

    Text: each stem of the query must start a word of the program's search document, so
    «робот» finds «Робототехника» and «рисование» finds «рисованию», alike on SQLite and
    PostgreSQL; a query with no word in it (emoji, punctuation) finds nothing. `ovz_only`
    keeps programs adapted for children with disabilities. Sorted by relevance (programs
    whose title matches more of the query first, then by title), by price per hour (cheapest
    first) or newest first.

    Each program carries `free_seats` (free seats in its unfinished groups with enrolment open),
    `group_count` (its unfinished groups) and `title_hits`, all computed in the one query.
    `price_max` is in kopecks per academic hour.
    """
    today = timezone.localdate()
    programs = program_list_public().select_related("provider")

    terms = search_terms(q)
    if q.strip() and not terms:
        # Nothing searchable was typed (an emoji, punctuation): nothing matches, rather than
        # the whole catalogue.
        programs = programs.none()
    for term in terms:
        programs = programs.filter(search_document__contains=f" {term}")
    if direction:
        programs = programs.filter(direction=direction)
    if ovz_only:
        programs = programs.filter(accessible_ovz=True)
    if age is not None:
        programs = programs.filter(age_min__lte=age, age_max__gte=age)
    if municipality_id is not None:
        programs = programs.filter(provider__municipality_id=municipality_id)
    if financing_source:
        programs = programs.filter(financing_source=financing_source)
    if price_max is not None:
        programs = programs.filter(price_per_hour__lte=price_max)
    if weekday is not None:
        programs = programs.filter(
            Exists(ScheduleSlot.objects.filter(group__program=OuterRef("pk"), weekday=weekday))
        )

    # Subqueries rather than joins, so that the sums are not multiplied by other joins.
    free_seats = (
        _current_groups(today)
        .filter(enrollment_open=True)
        .values("program")
        .annotate(free=Sum(F("capacity") - F("seats_taken"), output_field=IntegerField()))
        .values("free")
    )
    group_count = _current_groups(today).values("program").annotate(n=Count("pk")).values("n")
    programs = programs.annotate(
        free_seats=Coalesce(Subquery(free_seats), Value(0), output_field=IntegerField()),
        group_count=Coalesce(Subquery(group_count), Value(0), output_field=IntegerField()),
        title_hits=sum(
            (
                Case(
                    When(title_document__contains=f" {term}", then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
                for term in terms
            ),
            start=Value(0, output_field=IntegerField()),
        ),
    )
    if free_seats_only:
        programs = programs.filter(free_seats__gt=0)

    if sort == "price":
        return programs.order_by("price_per_hour", "title", "pk")
    if sort == "newest":
        return programs.order_by("-created_at", "-pk")
    return programs.order_by("-title_hits", "title", "pk")


def program_get_published(*, pk: int) -> Program:
    """A program visible in the catalogue, with its provider; Http404 for anything else."""
    return get_object_or_404(
        program_list_public().select_related("provider", "provider__municipality"), pk=pk
    )


def group_list_for_program(*, program: Program, include_finished: bool = False) -> QuerySet[Group]:
    """The program's groups with teacher and weekly schedule loaded, earliest start first.

    Finished groups (end date in the past) are left out unless asked for.
    """
    groups = (
        Group.objects.filter(program=program)
        .select_related("teacher")
        .prefetch_related(Prefetch("schedule", queryset=ScheduleSlot.objects.order_by("weekday")))
        .order_by("start_date", "name", "pk")
    )
    if not include_finished:
        groups = groups.filter(end_date__gte=timezone.localdate())
    return groups


def lesson_list_for_group(
    *,
    group: Group,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Lesson]:
    """The group's lessons in date and time order, optionally within [date_from, date_to]."""
    lessons = Lesson.objects.filter(group=group)
    if date_from is not None:
        lessons = lessons.filter(date__gte=date_from)
    if date_to is not None:
        lessons = lessons.filter(date__lte=date_to)
    return lessons.order_by("date", "start_time", "pk")


@dataclass(frozen=True)
class CourseCost:
    """What the rest of a group's course costs from a day on (kopecks): the planned lessons
    from the later of the group's start and that day, at the program's price per hour. The
    contract offer's total cost is this figure (`enrollment.offers.offer_compute`)."""

    start_date: datetime.date
    end_date: datetime.date
    lessons: int
    hours: int
    price_per_hour: int
    total: int
    months: int  # calendar months the remaining lessons fall in

    @property
    def per_month(self) -> int:
        return monthly_average(self.total, self.months)


def monthly_average(amount: int, months: int) -> int:
    """An amount spread over months, rounded to the kopeck (0 over no month)."""
    return (amount + months // 2) // months if months else 0


def group_course_cost(*, group: Group, today: datetime.date) -> CourseCost:
    """The cost of the rest of the group's course if a child started today (one query)."""
    start = max(group.start_date, today)
    planned = Lesson.objects.filter(group=group, date__gte=start, status=LessonStatus.PLANNED)
    lessons = list(planned.values_list("date", "hours"))
    hours = sum(h for _, h in lessons)
    price = group.program.price_per_hour
    return CourseCost(
        start_date=start,
        end_date=group.end_date,
        lessons=len(lessons),
        hours=hours,
        price_per_hour=price,
        total=price * hours,
        months=len({(day.year, day.month) for day, _ in lessons}),
    )
