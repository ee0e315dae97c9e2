"""Charts that carry their words and numbers: a headline, a one-sentence summary, the plotly
figure, the data table behind it and a CSV of the same data.

Each app builds its charts in its own `charts.py` and returns `Chart` objects; pages render
them with `templates/includes/chart.html`. Values go into the figure as decimal strings
(plotly.js reads numeric strings), so no money or measure value passes through a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

GOVUK_COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#505a5f", "#28a197")


@dataclass(frozen=True)
class DataTable:
    """The numbers behind a chart: display text for the page, raw values for the CSV."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    raw_rows: tuple[tuple[Any, ...], ...] = ()
    numeric_columns: frozenset[int] = frozenset()

    @property
    def csv_rows(self) -> tuple[tuple[Any, ...], ...]:
        return self.raw_rows or self.rows


@dataclass(frozen=True)
class Chart:
    key: str
    headline: str
    summary: str
    figure: dict
    table: DataTable
    csv_url: str = ""
    height: int = 360
    extra: dict = field(default_factory=dict)

    @property
    def element_id(self) -> str:
        return f"chart-{slugify(self.key)}"

    @property
    def data_element_id(self) -> str:
        return f"{self.element_id}-data"


def plot_number(value: Decimal | int | None) -> str | None:
    """A value for a plotly trace: a decimal string, or None for a gap."""
    return None if value is None else format(Decimal(value), "f")


def base_layout(*, y_title: str = "", x_title: str = "", **overrides: Any) -> dict:
    """GOV.UK-looking plotly layout: system font, no chart junk, readable axis titles."""
    layout = {
        "font": {
            "family": "system-ui, -apple-system, 'Segoe UI', Roboto, arial, sans-serif",
            "size": 14,
            "color": "#0b0c0c",
        },
        "margin": {"l": 64, "r": 16, "t": 16, "b": 56},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": list(GOVUK_COLOURS),
        "xaxis": {"title": {"text": x_title}, "gridcolor": "#f3f2f1", "linecolor": "#0b0c0c"},
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": "#f3f2f1",
            "linecolor": "#0b0c0c",
            "rangemode": "tozero",
        },
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
    }
    layout.update(overrides)
    return layout


def figure(*, traces: list[dict], layout: dict) -> dict:
    """A plotly figure as plain JSON-able data for `json_script`."""
    return {"data": traces, "layout": layout}
