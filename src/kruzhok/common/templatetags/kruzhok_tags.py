import datetime

from django import template

from kruzhok.common.money import format_kopecks
from kruzhok.common.months import month_name

register = template.Library()


@register.filter
def rub(amount: int | None) -> str:
    """{{ 123456|rub }} -> '1 234,56 ₽'."""
    return "—" if amount is None else format_kopecks(amount)


@register.filter
def rub_plain(amount: int | None) -> str:
    """{{ 123456|rub_plain }} -> '1234,56': an amount to prefill a field with."""
    return "" if amount is None else format_kopecks(amount, currency=False).replace("\u00a0", "")


@register.filter(name="month_name")
def month_name_filter(day: datetime.date | None) -> str:
    """{{ closure.month|month_name }} -> 'октябрь 2026' (`|capfirst` for a heading)."""
    return "" if day is None else month_name(day)
