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

from kruzhok.catalog import selectors
from kruzhok.catalog.models import Group, Program
from kruzhok.catalog.selectors import CourseCost


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
    cost: CourseCost
    enrolment: Enrolment


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
        [(slot.weekday, slot.start_time.isoformat(), slot.hours) for slot in group.schedule.all()],
        group.capacity,
        group.seats_taken,
        group.auto_accept,
        [cost.start_date.isoformat(), cost.lessons, cost.hours, cost.total, cost.months],
        [row.enrolment.is_open, row.enrolment.message],
    ]


def program_page_read(*, pk: int, today: datetime.date) -> ProgramPage:
    """The published program `pk` (Http404 otherwise) and its running groups, with their
    costs from `today` and their enrolment now: a fixed number of queries, whatever the number
    of groups."""
    if not _group_enrolment:
        raise ImproperlyConfigured("no app has connected catalog.program_page's enrolment")
    program = selectors.program_get_published(pk=pk)
    groups = list(selectors.group_list_for_program(program=program))
    for group in groups:
        group.program = program  # read once above, not once per group
    costs = selectors.group_course_costs(groups=groups, today=today)
    enrolment = _group_enrolment[0](program.pk, groups)
    return ProgramPage(
        program=program,
        groups=[GroupRow(group, costs[group.pk], enrolment[group.pk]) for group in groups],
    )
