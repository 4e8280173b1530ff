"""How people's details read on a page."""

from django import template

from kruzhok.accounts.validators import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """{{ "+79001234567"|phone }} -> '+7 900 123-45-67'; anything else as it is."""
    return format_phone(value or "")
