"""What the rest of a group's course costs from a day on: its planned lessons from the later of
the group's start and that day, at the program's price per hour. The program page (its own
reads, catalog.program_page), the contract offer (enrollment.offers) and the API use it."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kruzhok.catalog.models import Group, Lesson, LessonStatus

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


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
    return group_course_costs(groups=[group], today=today)[group.pk]


def group_course_costs(*, groups: "Sequence[Group]", today: datetime.date) -> dict[int, CourseCost]:
    """group_course_cost of each of these groups, by group id, in one query (their programs
    are read through `group.program`: load them with the groups). The lessons are read from
    the earliest day any of the groups needs, and each group counts its own from its start."""
    starts = {group.pk: max(group.start_date, today) for group in groups}
    planned: dict[int, list[tuple[datetime.date, int]]] = {pk: [] for pk in starts}
    if groups:
        for group_id, day, hours in Lesson.objects.filter(
            group_id__in=list(starts), date__gte=min(starts.values()), status=LessonStatus.PLANNED
        ).values_list("group_id", "date", "hours"):
            if day >= starts[group_id]:
                planned[group_id].append((day, hours))
    return course_costs_from_totals(
        groups=groups,
        today=today,
        totals={
            pk: (len(dated), sum(h for _, h in dated), len({(d.year, d.month) for d, _ in dated}))
            for pk, dated in planned.items()
        },
    )


def course_costs_from_totals(
    *,
    groups: "Sequence[Group]",
    today: datetime.date,
    totals: "Mapping[int, tuple[int, int, int]]",
) -> dict[int, CourseCost]:
    """group_course_costs from each group's planned lessons on or after the later of its
    start and `today` counted by group id: (lessons, academic hours, calendar months) — none
    for a group that has none left."""
    costs = {}
    for group in groups:
        lessons, hours, months = totals.get(group.pk, (0, 0, 0))
        price = group.program.price_per_hour
        costs[group.pk] = CourseCost(
            start_date=max(group.start_date, today),
            end_date=group.end_date,
            lessons=lessons,
            hours=hours,
            price_per_hour=price,
            total=price * hours,
            months=months,
        )
    return costs
