from collections.abc import Iterable
from typing import cast

from django import template

from kruzhok.catalog.models import Group
from kruzhok.enrollment import selectors
from kruzhok.enrollment.models import EnrollmentWindow
from kruzhok.enrollment.offers import Estimate, offer_estimates
from kruzhok.enrollment.selectors import EnrollmentState, enrollment_windows_of_program
from kruzhok.enrollment.submission import DECISION_WORKING_DAYS
from kruzhok.families.models import Child

register = template.Library()

# By program id: the program's own window and its groups' windows by group id.
ProgramWindows = dict[int, tuple[EnrollmentWindow | None, dict[int, EnrollmentWindow]]]


@register.simple_tag(takes_context=True)
def enrollment_state(context: template.Context, group: Group) -> EnrollmentState:
    """{% enrollment_state group as state %}: state.is_open and state.message for the page.

    The windows of the group's program and of all its groups are read once per rendering
    (a program page lists every group: one query, not one per group)."""
    render = context.render_context
    if "enrollment_windows" not in render:
        render["enrollment_windows"] = {}
    cache = cast(ProgramWindows, render["enrollment_windows"])
    if group.program_id not in cache:
        cache[group.program_id] = enrollment_windows_of_program(program_id=group.program_id)
    program_window, by_group = cache[group.program_id]
    return selectors.enrollment_state(group, by_group.get(group.pk, program_window))


@register.simple_tag
def enrollment_estimates(group: Group, children: Iterable[Child]) -> list[Estimate]:
    """{% enrollment_estimates group children as estimates %}: for each child, what enrolling
    today would cost, what the certificate would cover and what the family would pay."""
    return offer_estimates(group=group, children=list(children))


@register.simple_tag
def decision_working_days() -> int:
    """Working days a provider has to answer an application it decides on by hand."""
    return DECISION_WORKING_DAYS
