"""Catalogue reads: the public search, a program's page, its groups and lessons."""

import datetime
import hashlib
import json
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from django.core.cache import cache
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
    Window,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kruzhok.catalog import figures_sql
from kruzhok.catalog.models import (
    Group,
    Lesson,
    Program,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.common.search import search_terms, text_contains
from kruzhok.providers.models import ProviderStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

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
    if q.strip() and not terms and not any(ch.isalnum() for ch in q):
        # Nothing searchable was typed (an emoji, punctuation): nothing matches, rather than
        # the whole catalogue. A word too short to search («а») sets no condition.
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

    programs = _with_seat_figures(programs, today).annotate(
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
        # The same as free_seats > 0 (no group has more seats taken than it has: a database
        # constraint), asked as EXISTS so that a region's catalogue is not summed row by row.
        programs = programs.filter(
            Exists(
                _current_groups(today).filter(enrollment_open=True, capacity__gt=F("seats_taken"))
            )
        )

    if sort == "price":
        return programs.order_by("price_per_hour", "title", "pk")
    if sort == "newest":
        return programs.order_by("-created_at", "-pk")
    return programs.order_by("-title_hits", "title", "pk")


def _with_seat_figures(programs: QuerySet[Program], today: datetime.date) -> "QuerySet[Any]":
    """`free_seats` and `group_count` of each program, as program_search describes them."""
    # Subqueries rather than joins, so that the sums are not multiplied by other joins.
    free_seats = (
        _current_groups(today)
        .filter(enrollment_open=True)
        .values("program")
        .annotate(free=Sum(F("capacity") - F("seats_taken"), output_field=IntegerField()))
        .values("free")
    )
    group_count = _current_groups(today).values("program").annotate(n=Count("pk")).values("n")
    return programs.annotate(
        free_seats=Coalesce(Subquery(free_seats), Value(0), output_field=IntegerField()),
        group_count=Coalesce(Subquery(group_count), Value(0), output_field=IntegerField()),
    )


# How long a search's matches (the count and one page's programs) are reused. What a card shows
# about seats is never taken from here: program_figures reads it on every request.
SEARCH_TTL_S = 30


class SearchPage(NamedTuple):
    total: int
    program_ids: list[int]
    # What the cache held of the keys the caller asked for in the same round trip.
    also: dict[str, Any]


def _search_key(search: str, *parts: object) -> str:
    digest = hashlib.blake2b(
        json.dumps([search, timezone.localdate().isoformat(), *parts]).encode(), digest_size=16
    ).hexdigest()
    return f"catalog:search:{digest}"


def _arguments_named(arguments: dict[str, Any]) -> str:
    return "arguments:" + json.dumps(arguments, sort_keys=True)


def program_search_total(**arguments: Any) -> int:
    """How many programs program_search(**arguments) finds, reused for SEARCH_TTL_S seconds."""
    return program_search_matches(
        page=1, page_size=0, search=_arguments_named(arguments), arguments=lambda: arguments
    ).total


def program_search_page(*, page: int, page_size: int, **arguments: Any) -> list[int]:
    """The ids of one page of program_search(**arguments), in its order (pages from 1),
    reused for SEARCH_TTL_S seconds: a program published or changed a moment ago appears
    within that time; seat figures come live from program_figures."""
    return program_search_matches(
        page=page,
        page_size=page_size,
        search=_arguments_named(arguments),
        arguments=lambda: arguments,
    ).program_ids


def program_search_matches(
    *,
    page: int,
    page_size: int,
    search: str,
    arguments: "Callable[[], dict[str, Any]]",
    also: "Sequence[str]" = (),
) -> SearchPage:
    """program_search_total and program_search_page (none with `page_size` 0) at once, with one
    cache round trip for both, kept under the name `search`: one name is always one search (the
    catalogue names a search by its query string, from which `arguments()`, the keyword
    arguments of program_search, are parsed only when the cache misses). The cache's values of
    the keys `also` come back in the same round trip (a page's other kept reads)."""
    total_key = _search_key(search, "total")
    page_key = _search_key(search, "page", page, page_size)
    wanted = [total_key, page_key] if page_size else [total_key]
    kept = cache.get_many([*wanted, *also])
    others = {key: kept.pop(key) for key in also if key in kept}
    found: dict[str, Any] = {}
    if page_size and page_key not in kept:
        # The page and the count in one scan of the matches: each row of the page carries the
        # count of all of them (a window over the whole result, computed before the LIMIT).
        offset = (page - 1) * page_size
        rows = list(
            program_search(**arguments())
            .annotate(matches=Window(Count("pk")))
            .values_list("pk", "matches")[offset : offset + page_size]
        )
        found[page_key] = [pk for pk, _ in rows]
        if rows and total_key not in kept:
            found[total_key] = rows[0][1]
    if total_key not in kept and total_key not in found:
        found[total_key] = program_search(**arguments()).count()
    if found:
        cache.set_many(found, SEARCH_TTL_S)
    kept |= found
    return SearchPage(int(kept[total_key]), list(kept[page_key]) if page_size else [], others)


class ProgramFiguresRow(NamedTuple):
    """A program's version (its card is cached under it) and its live seat figures."""

    pk: int
    updated_at: datetime.datetime
    free_seats: int
    group_count: int


def program_figures(*, program_ids: list[int]) -> dict[int, ProgramFiguresRow]:
    """Versions and seat figures of the given published programs, in one query (the one a
    catalogue page makes when its figures are more than FIGURES_TTL_S seconds old, written by
    hand in catalog.figures_sql): the figures program_search computes, summed here from the
    programs' groups (a plain join is cheaper than its subqueries, and a page has twenty
    programs of a few groups each)."""
    today = timezone.localdate()
    figures: dict[int, ProgramFiguresRow] = {}
    for pk, updated_at, end_date, is_open, capacity, seats_taken in figures_sql.program_group_rows(
        program_ids=program_ids
    ):
        row = figures.get(pk) or ProgramFiguresRow(pk, updated_at, 0, 0)
        if end_date is not None and end_date >= today:
            assert capacity is not None and seats_taken is not None
            row = row._replace(
                group_count=row.group_count + 1,
                free_seats=row.free_seats + (capacity - seats_taken if is_open else 0),
            )
        figures[pk] = row
    return figures


# A catalogue page's seat figures are reused for this long, then read again: a seat taken or
# given back shows on the catalogue at most this late. A program's page reads its own figures
# on every request, and the apply page checks the real count.
FIGURES_TTL_S = 2


def program_figures_key(*, search: str, page: int, page_size: int) -> str:
    """Where the figures of a page of the search named `search` are kept (see
    program_search_matches): a page asks for it in the search's cache round trip."""
    return _search_key(search, "figures", page, page_size)


def program_figures_kept(
    *, program_ids: list[int], key: str, kept: "Mapping[str, Any]"
) -> dict[int, ProgramFiguresRow]:
    """program_figures of a search's page, kept under `key` for FIGURES_TTL_S seconds: `kept`
    is what the cache held (the search's round trip asked for `key`); read anew when it held
    nothing, or the figures of other programs (the page's matches have changed since)."""
    entry = kept.get(key)
    if entry is not None and entry[0] == program_ids:
        return dict(entry[1])
    figures = program_figures(program_ids=program_ids)
    cache.set(key, (program_ids, figures), FIGURES_TTL_S)
    return figures


def program_list_for_cards(*, program_ids: list[int]) -> QuerySet[Program]:
    """The programs whose cards must be rendered anew, with their providers."""
    return Program.objects.filter(pk__in=program_ids).select_related("provider")


def program_get_published(*, pk: int) -> Program:
    """A program visible in the catalogue, with its provider; Http404 for anything else.
    Without the search documents, which nobody reads back (every column costs the ORM time on
    the busiest pages)."""
    return get_object_or_404(
        program_list_public().select_related("provider").defer("search_document", "title_document"),
        pk=pk,
    )


# What group_list_for_program leaves out of a teacher's row (User's columns but the name).
TEACHER_UNSHOWN = (
    "password",
    "last_login",
    "is_superuser",
    "email",
    "phone",
    "municipality",
    "role",
    "email_confirmed_at",
    "is_active",
    "is_staff",
    "date_joined",
)


def group_list_for_program(*, program: Program, include_finished: bool = False) -> QuerySet[Group]:
    """The program's groups with teacher and weekly schedule loaded, earliest start first.

    Finished groups (end date in the past) are left out unless asked for.
    """
    groups = (
        Group.objects.filter(program=program)
        .select_related("teacher")
        # A teacher is shown by name: not the rest of a person's row (password hash included).
        .defer(*(f"teacher__{name}" for name in TEACHER_UNSHOWN))
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


# Registers -------------------------------------------------------------------------------------


def program_moderation_count(*, municipality_ids: "Sequence[int]") -> int:
    """Programs of the municipalities' providers waiting for the operator's decision."""
    return Program.objects.filter(
        provider__municipality_id__in=municipality_ids, state=ProgramState.MODERATING
    ).count()


def program_register(
    *,
    municipality_ids: "Sequence[int]",
    query: str = "",
    state: str = "",
    direction: str = "",
    financing_source: str = "",
) -> QuerySet[Program]:
    """The programs of the municipalities' providers by title, with their number of groups and
    of seats; `query` finds a title or a provider's name."""
    programs = (
        Program.objects.filter(provider__municipality_id__in=municipality_ids)
        .select_related("provider", "provider__municipality")
        .defer("description", "search_document", "title_document")
        .annotate(
            groups_count=Count("groups", distinct=True),
            seats=Coalesce(Sum("groups__capacity"), 0),
            seats_taken=Coalesce(Sum("groups__seats_taken"), 0),
        )
    )
    if query.strip():
        programs = programs.filter(text_contains(("title", "provider__short_name"), query))
    if state:
        programs = programs.filter(state=state)
    if direction:
        programs = programs.filter(direction=direction)
    if financing_source:
        programs = programs.filter(financing_source=financing_source)
    return programs.order_by("title", "pk")
