from django import template

register = template.Library()


@register.filter
def years(age: int) -> str:
    """{{ 9|years }} -> '9 лет', {{ 1|years }} -> '1 год', {{ 3|years }} -> '3 года'."""
    n = abs(age) % 100
    if 11 <= n <= 19:
        word = "лет"
    elif n % 10 == 1:
        word = "год"
    elif 2 <= n % 10 <= 4:
        word = "года"
    else:
        word = "лет"
    return f"{age} {word}"
