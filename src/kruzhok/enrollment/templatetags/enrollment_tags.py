from collections.abc import Iterable

from django import template

from kruzhok.catalog.models import Group
from kruzhok.enrollment.offers import Estimate, offer_estimates
from kruzhok.enrollment.submission import DECISION_WORKING_DAYS
from kruzhok.families.models import Child

register = template.Library()


@register.simple_tag
def enrollment_estimates(group: Group, children: Iterable[Child]) -> list[Estimate]:
    """{% enrollment_estimates group children as estimates %}: for each child, what enrolling
    today would cost, what the certificate would cover and what the family would pay."""
    return offer_estimates(group=group, children=list(children))


@register.simple_tag
def decision_working_days() -> int:
    """Working days a provider has to answer an application it decides on by hand."""
    return DECISION_WORKING_DAYS
