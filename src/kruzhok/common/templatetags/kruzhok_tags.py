from django import template

from kruzhok.common.money import format_kopecks

register = template.Library()


@register.filter
def rub(amount: int | None) -> str:
    """{{ 123456|rub }} -> '1 234,56 ₽'."""
    return "—" if amount is None else format_kopecks(amount)
