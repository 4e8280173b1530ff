"""How the catalogue says things in Russian: plurals and weekly schedules."""

from collections.abc import Iterable

from django import template

from kruzhok.catalog.models import ScheduleSlot

register = template.Library()

WEEKDAY_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The form of a Russian noun that agrees with n: 1 программа, 2 программы, 5 программ."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return many
    if n % 10 == 1:
        return one
    if 2 <= n % 10 <= 4:
        return few
    return many


@register.filter
def ru_plural(n: int | None, forms: str) -> str:
    """{{ n|ru_plural:"программа,программы,программ" }} -> the word that agrees with n."""
    one, few, many = forms.split(",")
    return plural_ru(n or 0, one, few, many)


@register.filter
def schedule_summary(slots: Iterable[ScheduleSlot]) -> str:
    """«вт, чт 15:00, 2 ак. ч.»: days that share a time and length are named together."""
    by_time: dict[tuple[str, int], list[int]] = {}
    for slot in sorted(slots, key=lambda s: (s.weekday, s.start_time)):
        by_time.setdefault((f"{slot.start_time:%H:%M}", slot.hours), []).append(slot.weekday)
    parts = [
        f"{', '.join(WEEKDAY_SHORT[d] for d in days)} {start}, {hours} ак. ч."
        for (start, hours), days in by_time.items()
    ]
    return "; ".join(parts)
