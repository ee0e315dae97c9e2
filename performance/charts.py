"""Charts of measures: each with its headline, one-sentence summary, data table and CSV."""

from __future__ import annotations

from decimal import Decimal

from bury_hc import formatting
from bury_hc.charts import Chart, DataTable, base_layout, figure, plot_number
from performance.assessment import MAX_NAMED_MISSING, competition_positions, position_text
from performance.selectors import MeasureDetail, Series

UNIT_AXIS = {
    "percentage": "Per cent",
    "days": "Days",
    "count": "Number",
    "rate_per_100k": "Rate per 100,000",
    "score": "Score",
    "pounds": "Pounds",
}


def _fmt(value: Decimal | None, *, unit: str, places: int) -> str:
    return formatting.measure_value(value, unit=unit, decimal_places=places)


def _csv_number(value: Decimal | None, places: int) -> Decimal | None:
    """A value for a CSV download: as stored, to the measure's decimal places ("79.6", not
    "79.600000"), without the unit or thousands separators a spreadsheet would trip on."""
    return None if value is None else formatting.round_half_up(value, places)


def _change_sentence(points, *, unit: str, places: int) -> str:
    first, last = points[0], points[-1]
    if first[2] is None or last[2] is None:
        return f"Values from {first[0]} to {last[0]}; some periods have no value."
    verb = "rose" if last[2] > first[2] else "fell" if last[2] < first[2] else "stayed"
    if verb == "stayed":
        return (
            f"It stayed at {_fmt(last[2], unit=unit, places=places)} from {first[0]} to {last[0]}."
        )
    return (
        f"It {verb} from {_fmt(first[2], unit=unit, places=places)} in {first[0]} to "
        f"{_fmt(last[2], unit=unit, places=places)} in {last[0]}."
    )


def series_chart(series: Series) -> Chart:
    """A measure's recent values for the home area, as a line."""
    unit, places = series.unit, series.decimal_places
    labels = [label for label, _, _ in series.points]
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Bury",
        "x": labels,
        "y": [plot_number(value) for _, _, value in series.points],
        "line": {"width": 3},
    }
    return Chart(
        key=series.measure_code,
        headline=series.measure_name,
        summary=(
            f"{_change_sentence(series.points, unit=unit, places=places)} {series.polarity_label}."
        ),
        figure=figure(traces=[trace], layout=base_layout(y_title=UNIT_AXIS.get(unit, ""))),
        table=DataTable(
            caption=f"{series.measure_name}: values by period",
            headers=("Period", "Value"),
            rows=tuple(
                (label, _fmt(value, unit=unit, places=places)) for label, _, value in series.points
            ),
            raw_rows=tuple(
                (label, _csv_number(value, places)) for label, _, value in series.points
            ),
            numeric_columns=frozenset({1}),
        ),
    )


def measure_trend_chart(detail: MeasureDetail) -> Chart | None:
    """The home area's trend with the target and the England and regional values."""
    measure = detail.measure
    if len(detail.home_series) < 2:
        return None
    unit, places = measure.unit, measure.decimal_places
    labels = [label for label, _, _ in detail.home_series]
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Bury",
            "x": labels,
            "y": [plot_number(v) for _, _, v in detail.home_series],
            "line": {"width": 3},
        }
    ]
    headers = ["Period", "Bury"]
    columns = [{label: value for label, _, value in detail.home_series}]
    for name, points in detail.benchmark_series.items():
        by_label = {label: value for label, _, value in points}
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": labels,
                "y": [plot_number(by_label.get(label)) for label in labels],
                "line": {"dash": "dot", "width": 2},
            }
        )
        headers.append(name)
        columns.append(by_label)
    target_by_label = {}
    for label, end, _ in detail.home_series:
        target = next((t for t in detail.targets if t.applies_from <= end <= t.applies_to), None)
        target_by_label[label] = target.value if target else None
    if any(value is not None for value in target_by_label.values()):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Target",
                "x": labels,
                "y": [plot_number(target_by_label[label]) for label in labels],
                "line": {"dash": "dash", "width": 2, "color": "#0b0c0c"},
            }
        )
        headers.append("Target")
        columns.append(target_by_label)
    rows = tuple(
        (
            label,
            *(
                _fmt(column.get(label), unit=unit, places=places)
                if column.get(label) is not None
                else "–"
                for column in columns
            ),
        )
        for label in labels
    )
    return Chart(
        key="trend",
        headline=f"{measure.name}: Bury over time",
        summary=(
            f"{_change_sentence(detail.home_series, unit=unit, places=places)} "
            f"{measure.get_polarity_display()}."
        ),
        figure=figure(traces=traces, layout=base_layout(y_title=UNIT_AXIS.get(unit, ""))),
        table=DataTable(
            caption="Values by period",
            headers=tuple(headers),
            rows=rows,
            raw_rows=tuple(
                (label, *(_csv_number(column.get(label), places) for column in columns))
                for label in labels
            ),
            numeric_columns=frozenset(range(1, len(headers))),
        ),
    )


def comparison_chart(detail: MeasureDetail, group_name: str) -> Chart | None:
    """The group's councils at the latest period, best first, with Bury marked."""
    values = detail.comparisons.get(group_name)
    if not values:
        return None
    measure = detail.measure
    unit, places = measure.unit, measure.decimal_places
    lower_first = measure.polarity == "lower"
    published = sorted(
        (v for v in values if v.value is not None),
        key=lambda v: v.value,
        reverse=not lower_first,
    )
    missing = [v.area_name for v in values if v.value is None]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [plot_number(v.value) for v in published],
        "y": [v.area_name for v in published],
        "marker": {"color": ["#f47738" if v.is_home else "#1d70b8" for v in published]},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
    }
    order = "lowest" if lower_first else "highest"
    positions = competition_positions(
        values={v.area_name: v.value for v in values},
        polarity=measure.polarity,
        decimal_places=places,
    )
    home = next((v.area_name for v in published if v.is_home), None)
    if home is None:
        summary = f"Bury has no value for {detail.comparison_period}."
    elif len(published) * 2 < len(values):
        summary = (
            f"In {detail.comparison_period}, Bury is not ranked: {len(published)} of "
            f"{len(values)} councils published."
        )
    else:
        summary = (
            f"In {detail.comparison_period}, Bury was {position_text(*positions[home])} of "
            f"{len(published)} ({measure.get_polarity_display().lower()})."
        )
    if len(missing) > MAX_NAMED_MISSING:
        summary += f" {len(missing)} of the {len(values)} councils have not yet published."
    elif missing:
        summary += f" Not yet published: {', '.join(missing)}."
    return Chart(
        key=f"compare-{group_name}",
        headline=f"{group_name}: {measure.name}, {detail.comparison_period}",
        summary=summary,
        figure=figure(
            traces=[trace],
            layout=base_layout(
                x_title=UNIT_AXIS.get(unit, ""),
                yaxis={"autorange": "reversed", "automargin": True},
                margin={"l": 160, "r": 16, "t": 16, "b": 56},
                hovermode="closest",
            ),
        ),
        table=DataTable(
            caption=f"{group_name} councils, {order} first",
            headers=("Council", "Value", "Position"),
            rows=tuple(
                (
                    v.area_name,
                    _fmt(v.value, unit=unit, places=places),
                    position_text(*positions[v.area_name]),
                )
                for v in published
            )
            + tuple((name, "Not yet published", "–") for name in missing),
            raw_rows=tuple(
                (v.area_name, _csv_number(v.value, places), positions[v.area_name][0])
                for v in published
            )
            + tuple((name, None, None) for name in missing),
            numeric_columns=frozenset({1, 2}),
        ),
        height=max(240, 32 * len(published) + 80),
    )
