from django import template
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.attendance.selectors import DayLesson, teacher_day

register = template.Library()


@register.simple_tag
def own_lessons_today(user: User) -> list[DayLesson]:
    """{% own_lessons_today user as day %}: today's lessons of the groups the user teaches,
    each with the children to mark: what a teacher's home page starts with."""
    return teacher_day(user=user, day=timezone.localdate(), own_only=True)
