"""What a program's public page shows, read before it is rendered, so that its ETag can be
made of it (common.etags): the program and its provider, and for each group still running its
teacher, dates, schedule, seats, the cost of the rest of its course from today and whether
enrolment is open now.

Whether enrolment is open is the enrollment app's to say (its windows), and catalog cannot
import it: enrollment connects `group_enrolment_connect` at start-up.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from kruzhok.catalog import program_page_sql
from kruzhok.catalog.course_costs import CourseCost, course_costs_from_totals
from kruzhok.catalog.models import Group, Program, ScheduleSlot


class Enrolment(Protocol):
    """Whether a group takes applications now, and the sentence the page says about it."""

    @property
    def is_open(self) -> bool: ...

    @property
    def message(self) -> str: ...


# (program id, its groups) → each group's enrolment now, by group id, in a query or two.
GroupEnrolment = Callable[[int, list[Group]], Mapping[int, Enrolment]]
_group_enrolment: list[GroupEnrolment] = []


def group_enrolment_connect(reader: GroupEnrolment) -> None:
    """Name the function that says whether each group of a program takes applications now."""
    _group_enrolment[:] = [reader]


@dataclass(frozen=True)
class GroupRow:
    group: Group
    schedule: list[ScheduleSlot]  # by weekday and time
    cost: CourseCost
    enrolment: Enrolment

    # Dates as the card says them, formatted here: the template's date filter is a good part
    # of a first rendering's cost, and most of a rush's program pages are first renderings.
    @property
    def dates(self) -> str:
        """«с 01.09.2026 по 31.05.2027»."""
        return f"с {self.group.start_date:%d.%m.%Y} по {self.group.end_date:%d.%m.%Y}"

    @property
    def cost_from(self) -> str:
        """The day the cost is counted from, «07.12.2026»."""
        return f"{self.cost.start_date:%d.%m.%Y}"


@dataclass(frozen=True)
class ProgramPage:
    program: Program
    groups: list[GroupRow]

    def shown(self) -> list[object]:
        """Everything on the page that can change without a new release, as plain values:
        two reads giving the same list show the same page to the same anonymous visitor."""
        program, provider = self.program, self.program.provider
        return [
            program.pk,
            program.updated_at.isoformat(),
            [
                provider.short_name,
                provider.full_name,
                provider.address,
                provider.phone,
                provider.email,
            ],
            [_group_shown(row) for row in self.groups],
        ]


def _group_shown(row: GroupRow) -> list[object]:
    group, cost = row.group, row.cost
    return [
        group.pk,
        group.updated_at.isoformat(),
        group.name,
        group.teacher.full_name if group.teacher else None,
        group.start_date.isoformat(),
        group.end_date.isoformat(),
        [(slot.weekday, slot.start_time.isoformat(), slot.hours) for slot in row.schedule],
        group.capacity,
        group.seats_taken,
        group.auto_accept,
        [cost.start_date.isoformat(), cost.lessons, cost.hours, cost.total, cost.months],
        [row.enrolment.is_open, row.enrolment.message],
    ]


def program_page_read(*, pk: int, today: datetime.date) -> ProgramPage:
    """The published program `pk` (Http404 otherwise) and its running groups, with their
    schedules, their costs from `today` and their enrolment now: two queries, whatever the
    number of groups (the program page's own, written by hand in catalog.program_page_sql for
    what selectors.program_get_published, group_list_for_program and
    course_costs.group_course_costs read, and the enrolment's)."""
    if not _group_enrolment:
        raise ImproperlyConfigured("no app has connected catalog.program_page's enrolment")
    read = program_page_sql.program_page_rows(pk=pk, today=today)
    if read is None:
        raise Http404("Программа не найдена")
    program, groups = read.program, read.groups
    costs = course_costs_from_totals(groups=groups, today=today, totals=read.lesson_totals)
    enrolment = _group_enrolment[0](program.pk, groups)
    return ProgramPage(
        program=program,
        groups=[
            GroupRow(group, read.schedules[group.pk], costs[group.pk], enrolment[group.pk])
            for group in groups
        ],
    )
