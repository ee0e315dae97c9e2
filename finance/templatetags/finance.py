"""Template filters for the fund's variances.

The formatting itself lives in `bury_hc.formatting`; these only adapt it for templates.
"""

from django import template

from bury_hc import formatting

register = template.Library()


@register.filter
def pounds_signed(value):
    """+£1,234 / −£1,234: a line's variance."""
    return formatting.pounds_signed(value)


@register.filter
def pounds_millions_signed(value):
    """+£2.3m / −£0.4m: a total's variance."""
    return formatting.pounds_millions_signed(value)


@register.filter
def percent_signed(value):
    """+4.8% / −1.2% / "not applicable" (a zero budget)."""
    return formatting.percent_signed(value)
