from django import template

from kruzhok.enrollment.submission import DECISION_WORKING_DAYS

register = template.Library()


@register.simple_tag
def decision_working_days() -> int:
    """Working days a provider has to answer an application it decides on by hand."""
    return DECISION_WORKING_DAYS
