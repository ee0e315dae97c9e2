"""The fund's charts: forecast against budget by pool and by organisation, and the forecast's
trend through the year. Each carries its sentence, its data table and its CSV; values go to
plotly as decimal strings of £ millions (`plot_number`), never floats."""

from __future__ import annotations

from decimal import Decimal

from bury_hc.charts import Chart, DataTable, base_layout, figure, plot_number
from bury_hc.formatting import (
    MILLION,
    percent_signed,
    pounds_millions,
    pounds_millions_signed,
)
from finance.selectors import FigureTotals, FundQuarterSummary

BUDGET_COLOUR = "#505a5f"
FORECAST_COLOUR = "#1d70b8"
ACTUAL_COLOUR = "#28a197"
TOTALS_HEADERS = (
    "Budget",
    "Actual to date",
    "Forecast outturn",
    "Variance",
    "Variance (%)",
    "Status",
    "Lines reported",
)


# The charts are pictures of the tables beside them: no zooming, panning or toolbar. Plotly's
# toolbar puts buttons inside the chart's role="img" element (axe: nested-interactive) and its
# buttons are smaller than 24px (target-size); the data table and CSV are the way in instead.
STATIC_BUTTONS = [
    "zoom",
    "pan",
    "select",
    "lasso",
    "zoomin",
    "zoomout",
    "autoscale",
    "resetscale",
    "toimage",
    "hoverclosest",
    "hovercompare",
    "togglehover",
    "togglespikelines",
    "sendChartToCloud",  # "Share chart...": would send the figures to Plotly Cloud
]


def _layout(**overrides) -> dict:
    layout = base_layout(y_title="£ million", **overrides)
    layout["dragmode"] = False
    layout["modebar"] = {"remove": STATIC_BUTTONS}
    layout["xaxis"]["fixedrange"] = True
    layout["yaxis"]["fixedrange"] = True
    return layout


def _millions(value: Decimal | None) -> str | None:
    return plot_number(None if value is None else (value / MILLION).quantize(Decimal("0.001")))


def _percent_raw(variance) -> Decimal | None:
    """The percentage for the CSV, to 2 places (exact figures stay in the selectors)."""
    if variance is None or variance.percent is None:
        return None
    return variance.percent.quantize(Decimal("0.01"))


def _totals_table(caption: str, first: str, groups: tuple[FigureTotals, ...]) -> DataTable:
    rows, raw = [], []
    for group in groups:
        variance = group.variance
        rows.append(
            (
                group.label,
                pounds_millions(group.budget),
                pounds_millions(group.actual_to_date) if group.reported_count else "–",
                pounds_millions(group.forecast_outturn) if group.reported_count else "–",
                pounds_millions_signed(variance.amount) if variance else "–",
                percent_signed(variance.percent) if variance else "–",
                group.status.label,
                f"{group.reported_count} of {group.line_count}",
            )
        )
        raw.append(
            (
                group.label,
                group.budget,
                group.actual_to_date if group.reported_count else None,
                group.forecast_outturn if group.reported_count else None,
                variance.amount if variance else None,
                _percent_raw(variance),
                group.status.label,
                f"{group.reported_count} of {group.line_count}",
            )
        )
    return DataTable(
        caption=caption,
        headers=(first, *TOTALS_HEADERS),
        rows=tuple(rows),
        raw_rows=tuple(raw),
        numeric_columns=frozenset({1, 2, 3, 4, 5}),
    )


def _bars(groups: tuple[FigureTotals, ...]) -> list[dict]:
    labels = [group.label for group in groups]
    return [
        {
            "type": "bar",
            "name": "Budget",
            "x": labels,
            "y": [_millions(group.budget) for group in groups],
            "marker": {"color": BUDGET_COLOUR},
            "hovertemplate": "Budget £%{y:,.1f}m<extra></extra>",
        },
        {
            "type": "bar",
            "name": "Forecast outturn",
            "x": labels,
            "y": [
                _millions(group.forecast_outturn) if group.reported_count else None
                for group in groups
            ],
            "marker": {"color": FORECAST_COLOUR},
            "hovertemplate": "Forecast £%{y:,.1f}m<extra></extra>",
        },
    ]


def _sentence(summary: FundQuarterSummary, groups: tuple[FigureTotals, ...], noun: str) -> str:
    total = summary.total
    if total.variance is None:
        return f"No figures have been reported for {summary.quarter.label} yet."
    opening = (
        f"At {summary.quarter.label} the fund forecasts {pounds_millions(total.forecast_outturn)} "
        f"against a budget of {pounds_millions(total.reported_budget)}: "
        f"{pounds_millions_signed(total.variance.amount)} "
        f"({percent_signed(total.variance.percent)})."
    )
    reported = [group for group in groups if group.variance is not None]
    if not reported:
        return opening
    largest = max(reported, key=lambda group: abs(group.variance.amount))
    return (
        f"{opening} The {noun} furthest from budget is {largest.label}, at "
        f"{pounds_millions_signed(largest.variance.amount)}."
    )


def pool_chart(summary: FundQuarterSummary) -> Chart:
    return Chart(
        key="pools",
        headline=f"Forecast outturn against budget by pool, {summary.quarter.label}",
        summary=_sentence(summary, summary.pools, "pool"),
        figure=figure(
            traces=_bars(summary.pools),
            layout=_layout(barmode="group", hovermode="closest"),
        ),
        table=_totals_table(
            f"Budget, spend and forecast by pool, {summary.quarter.label}", "Pool", summary.pools
        ),
    )


def organisation_chart(summary: FundQuarterSummary) -> Chart:
    return Chart(
        key="organisations",
        headline=f"Forecast outturn against budget by organisation, {summary.quarter.label}",
        summary=_sentence(summary, summary.organisations, "organisation"),
        figure=figure(
            traces=_bars(summary.organisations),
            layout=_layout(barmode="group", hovermode="closest"),
        ),
        table=_totals_table(
            f"Budget, spend and forecast by host organisation, {summary.quarter.label}",
            "Organisation",
            summary.organisations,
        ),
    )


def trend_chart(summary: FundQuarterSummary) -> Chart:
    points = summary.trend
    labels = [point.quarter.label for point in points]
    reported = [point for point in points if point.forecast_outturn is not None]
    if len(reported) >= 2:
        first, last = reported[0], reported[-1]
        change = last.forecast_outturn - first.forecast_outturn
        sentence = (
            f"The forecast outturn moved from {pounds_millions(first.forecast_outturn)} at "
            f"{first.quarter.label} to {pounds_millions(last.forecast_outturn)} at "
            f"{last.quarter.label} ({pounds_millions_signed(change)})."
        )
    elif reported:
        sentence = (
            f"Only {reported[0].quarter.label} has figures so far: a forecast outturn of "
            f"{pounds_millions(reported[0].forecast_outturn)}."
        )
    else:
        sentence = f"No quarter of {summary.financial_year.label} has figures yet."
    return Chart(
        key="trend",
        headline=f"Forecast outturn through {summary.financial_year.label}",
        summary=sentence,
        figure=figure(
            traces=[
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": "Budget",
                    "x": labels,
                    "y": [_millions(point.budget) for point in points],
                    "line": {"color": BUDGET_COLOUR, "dash": "dash"},
                    "hovertemplate": "Budget £%{y:,.1f}m<extra></extra>",
                },
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": "Forecast outturn",
                    "x": labels,
                    "y": [_millions(point.forecast_outturn) for point in points],
                    "line": {"color": FORECAST_COLOUR},
                    "hovertemplate": "Forecast £%{y:,.1f}m<extra></extra>",
                },
                {
                    "type": "bar",
                    "name": "Actual spend to date",
                    "x": labels,
                    "y": [_millions(point.actual_to_date) for point in points],
                    "marker": {"color": ACTUAL_COLOUR},
                    "hovertemplate": "Spent to date £%{y:,.1f}m<extra></extra>",
                },
            ],
            layout=_layout(),
        ),
        table=DataTable(
            caption=f"The fund quarter by quarter, {summary.financial_year.label}",
            headers=("Quarter", "Budget", "Actual to date", "Forecast outturn", "Lines reported"),
            rows=tuple(
                (
                    point.quarter.label,
                    pounds_millions(point.budget),
                    pounds_millions(point.actual_to_date),
                    pounds_millions(point.forecast_outturn),
                    str(point.reported_count),
                )
                for point in points
            ),
            raw_rows=tuple(
                (
                    point.quarter.label,
                    point.budget,
                    point.actual_to_date,
                    point.forecast_outturn,
                    point.reported_count,
                )
                for point in points
            ),
            numeric_columns=frozenset({1, 2, 3, 4}),
        ),
    )


def fund_charts(summary: FundQuarterSummary) -> list[Chart]:
    return [pool_chart(summary), organisation_chart(summary), trend_chart(summary)]
