"""Template filters for money and measure values (they call bury_hc.formatting)."""

from django import template

from bury_hc import formatting

register = template.Library()


@register.filter
def pounds(value):
    return formatting.pounds(value)


@register.filter
def pounds_millions(value):
    return formatting.pounds_millions(value)


@register.filter
def ordinal_rank(value):
    """1 -> 1st, 2 -> 2nd, 11 -> 11th."""
    if value in (None, ""):
        return ""
    number = int(value)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"
