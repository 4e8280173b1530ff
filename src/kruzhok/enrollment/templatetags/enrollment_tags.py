from collections.abc import Iterable
from typing import cast

from django import template

from kruzhok.catalog.course_costs import CourseCost
from kruzhok.catalog.models import Group
from kruzhok.enrollment.offers import CertificateMoney, Estimate, offer_estimates
from kruzhok.enrollment.submission import DECISION_WORKING_DAYS
from kruzhok.families.models import Child

register = template.Library()


@register.simple_tag(takes_context=True)
def enrollment_estimates(
    context: template.Context,
    group: Group,
    children: Iterable[Child],
    course: CourseCost | None = None,
) -> list[Estimate]:
    """{% enrollment_estimates group children [course] as estimates %}: for each child, what
    enrolling today would cost, what the certificate would cover and what the family would
    pay. A page listing several groups reads each child's certificate money once, and passes
    each group's `course` cost from today when it has it."""
    render = context.render_context
    if "certificate_money" not in render:
        render["certificate_money"] = CertificateMoney()
    money = cast(CertificateMoney, render["certificate_money"])
    return offer_estimates(
        group=group, children=list(children), course=course, certificate_money=money
    )


@register.simple_tag
def decision_working_days() -> int:
    """Working days a provider has to answer an application it decides on by hand."""
    return DECISION_WORKING_DAYS
