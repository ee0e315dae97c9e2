"""Variance and status rules for the Integrated Care Fund: pure functions, no database.

The variance of a budget line is its forecast outturn minus its budget: positive is a forecast
overspend, negative a forecast underspend. Its status compares the size of the variance, as a
percentage of the budget, with the thresholds the finance lead sets for the financial year:

- green: within the green threshold (inclusive: exactly 1% is still green at 1%);
- amber: beyond green but within the amber threshold (inclusive);
- red: beyond the amber threshold. A red line needs an explanation.

Overspends and underspends are judged alike (by the size of the variance): a large underspend
is as much a forecasting problem for the fund as a large overspend.

A zero budget has no percentage ("not applicable"). A zero forecast against it is on budget
(green); any other forecast is red, since spending against nothing budgeted is always beyond
any tolerance.

Everything is `Decimal`; percentages are exact (not rounded) so that a figure exactly on a
threshold is judged as on it. Round only for display (`bury_hc.formatting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

HUNDRED = Decimal(100)
ZERO = Decimal(0)
DEFAULT_GREEN_WITHIN_PERCENT = Decimal(1)
DEFAULT_AMBER_WITHIN_PERCENT = Decimal(3)


class VarianceStatus(StrEnum):
    """A line's (or a total's) status against budget. Values match templates/includes/status_tag."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NOT_REPORTED = "not_reported"

    @property
    def label(self) -> str:
        return {
            "green": "Green",
            "amber": "Amber",
            "red": "Red",
            "not_reported": "Not reported",
        }[self.value]


class Direction(StrEnum):
    OVERSPEND = "overspend"
    UNDERSPEND = "underspend"
    ON_BUDGET = "on_budget"

    @property
    def label(self) -> str:
        return {
            "overspend": "Forecast overspend",
            "underspend": "Forecast underspend",
            "on_budget": "On budget",
        }[self.value]


@dataclass(frozen=True)
class Thresholds:
    """How far from budget (per cent, either way) a forecast may be and still be green or amber."""

    green_within_percent: Decimal = DEFAULT_GREEN_WITHIN_PERCENT
    amber_within_percent: Decimal = DEFAULT_AMBER_WITHIN_PERCENT

    def __post_init__(self) -> None:
        if not ZERO <= self.green_within_percent <= self.amber_within_percent:
            raise ValueError(
                "The thresholds must satisfy 0 ≤ green ≤ amber; got "
                f"green {self.green_within_percent}, amber {self.amber_within_percent}."
            )

    @property
    def description(self) -> str:
        green, amber = _plain(self.green_within_percent), _plain(self.amber_within_percent)
        return (
            f"Green within {green}% of budget, amber within {amber}%, red beyond {amber}% "
            "(over or under)."
        )


@dataclass(frozen=True)
class Variance:
    """A forecast judged against its budget."""

    budget: Decimal
    forecast: Decimal
    amount: Decimal
    percent: Decimal | None  # None: not applicable (a zero budget)
    status: VarianceStatus
    direction: Direction

    @property
    def needs_explanation(self) -> bool:
        return explanation_required(self.status)


def variance_amount(*, budget: Decimal, forecast: Decimal) -> Decimal:
    """Forecast minus budget, in pounds: positive is an overspend."""
    _require_decimal(budget=budget, forecast=forecast)
    return forecast - budget


def variance_percent(*, budget: Decimal, forecast: Decimal) -> Decimal | None:
    """The variance as a percentage of the budget, exactly; None for a zero budget."""
    _require_decimal(budget=budget, forecast=forecast)
    if budget == ZERO:
        return None
    return (forecast - budget) * HUNDRED / budget


def variance_status(
    *, budget: Decimal, forecast: Decimal, thresholds: Thresholds
) -> VarianceStatus:
    """Green, amber or red, by the size of the variance against the thresholds (inclusive)."""
    percent = variance_percent(budget=budget, forecast=forecast)
    if percent is None:  # a zero budget
        return VarianceStatus.GREEN if forecast == ZERO else VarianceStatus.RED
    size = abs(percent)
    if size <= thresholds.green_within_percent:
        return VarianceStatus.GREEN
    if size <= thresholds.amber_within_percent:
        return VarianceStatus.AMBER
    return VarianceStatus.RED


def variance_direction(*, budget: Decimal, forecast: Decimal) -> Direction:
    amount = variance_amount(budget=budget, forecast=forecast)
    if amount > ZERO:
        return Direction.OVERSPEND
    if amount < ZERO:
        return Direction.UNDERSPEND
    return Direction.ON_BUDGET


def explanation_required(status: VarianceStatus) -> bool:
    """A line beyond the amber threshold (red) must say why."""
    return status is VarianceStatus.RED


def variance_judge(*, budget: Decimal, forecast: Decimal, thresholds: Thresholds) -> Variance:
    """All of the above at once, for a line or a total."""
    return Variance(
        budget=budget,
        forecast=forecast,
        amount=variance_amount(budget=budget, forecast=forecast),
        percent=variance_percent(budget=budget, forecast=forecast),
        status=variance_status(budget=budget, forecast=forecast, thresholds=thresholds),
        direction=variance_direction(budget=budget, forecast=forecast),
    )


def explanation_prompt(variance: Variance, thresholds: Thresholds) -> str:
    """The GOV.UK-style error for a red line with no explanation."""
    amber = _plain(thresholds.amber_within_percent)
    if variance.percent is None:
        return (
            "Explain why there is a forecast outturn against a budget of £0: "
            "every forecast against a zero budget needs an explanation"
        )
    size = _plain(abs(variance.percent).quantize(Decimal("0.1")))
    way = "over" if variance.direction is Direction.OVERSPEND else "under"
    return (
        f"Explain why the forecast outturn is {size}% {way} budget: a variance beyond the "
        f"{amber}% amber threshold needs an explanation"
    )


def _plain(value: Decimal) -> str:
    """1.00 → "1", 2.50 → "2.5": threshold percentages as people write them."""
    text = format(value.normalize(), "f")
    return text


def _require_decimal(**values: object) -> None:
    for name, value in values.items():
        if not isinstance(value, Decimal):
            raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
