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


STATUS_COLOURS = {
    "green": "govuk-tag--green",
    "improving": "govuk-tag--green",
    "met": "govuk-tag--green",
    "amber": "govuk-tag--orange",
    "within_tolerance": "govuk-tag--orange",
    "red": "govuk-tag--red",
    "worsening": "govuk-tag--red",
    "not_met": "govuk-tag--red",
    "complete": "govuk-tag--blue",
}


@register.filter
def status_colour(status) -> str:
    """The GOV.UK tag colour for a status; always shown with the status's words."""
    return STATUS_COLOURS.get(str(status), "govuk-tag--grey")
