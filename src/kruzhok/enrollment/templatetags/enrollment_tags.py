from django import template

from kruzhok.catalog.models import Group
from kruzhok.enrollment.selectors import EnrollmentState, enrollment_state_for_group

register = template.Library()


@register.simple_tag
def enrollment_state(group: Group) -> EnrollmentState:
    """{% enrollment_state group as state %}: state.is_open and state.message for the page."""
    return enrollment_state_for_group(group)
