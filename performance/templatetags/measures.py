"""Sparklines for tables: a small inline SVG, with its numbers in words beside it."""

from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join

from performance.assessment import targets_sentence

register = template.Library()

WIDTH, HEIGHT, PAD = 96, 24, 3


@register.simple_tag
def sparkline(points) -> str:
    """An SVG line of the points' values (hidden from screen readers: the row's text says the
    same in words, see DashboardRow.sparkline_text)."""
    values = [point.value for point in points]
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or Decimal(1)
    step = Decimal(WIDTH - 2 * PAD) / (len(values) - 1)
    coordinates = [
        (
            PAD + step * index,
            PAD + (Decimal(HEIGHT - 2 * PAD) * (high - value) / span),
        )
        for index, value in enumerate(values)
        if value is not None
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    last_x, last_y = coordinates[-1]
    return format_html(
        '<svg class="app-sparkline" width="{}" height="{}" viewBox="0 0 {} {}" aria-hidden="true" '
        'focusable="false"><polyline points="{}" fill="none" stroke="#1d70b8" stroke-width="2"/>'
        '<circle cx="{}" cy="{}" r="2.5" fill="#0b0c0c"/></svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        path,
        f"{last_x:.1f}",
        f"{last_y:.1f}",
    )


@register.simple_tag
def rank_list(ranks) -> str:
    return format_html_join("", "<li>{}</li>", ((rank.sentence,) for rank in ranks))


@register.filter
def targeted_count(rows) -> int:
    """How many dashboard rows have a target (the table shows a target column only if any do)."""
    return sum(1 for row in rows if row.has_target)


@register.filter
def targets_note(rows) -> str:
    """The table's one sentence about measures without a target (see targets_sentence)."""
    return targets_sentence(with_target=targeted_count(rows), total=len(rows))
