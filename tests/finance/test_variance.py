"""The variance and status rules (finance.variance): pure functions, no database."""

from decimal import Decimal

import pytest

from finance.variance import (
    Direction,
    Thresholds,
    VarianceStatus,
    explanation_prompt,
    explanation_required,
    variance_amount,
    variance_direction,
    variance_judge,
    variance_percent,
    variance_status,
)

ONE_AND_THREE = Thresholds(Decimal(1), Decimal(3))
D = Decimal


def status(budget: str, forecast: str, thresholds: Thresholds = ONE_AND_THREE) -> VarianceStatus:
    return variance_status(budget=D(budget), forecast=D(forecast), thresholds=thresholds)


def test_variance_amount_is_forecast_minus_budget():
    assert variance_amount(budget=D("1000.00"), forecast=D("1050.25")) == D("50.25")
    assert variance_amount(budget=D("1000.00"), forecast=D("940.00")) == D("-60.00")


def test_variance_percent_is_exact_decimal():
    percent = variance_percent(budget=D("3"), forecast=D("3.03"))

    assert percent == D("1")
    assert isinstance(percent, Decimal)
    assert variance_percent(budget=D("300000"), forecast=D("303000.01")) > D(1)


@pytest.mark.parametrize(
    ("budget", "forecast", "expected"),
    [
        ("1000000", "1000000", VarianceStatus.GREEN),  # on budget
        ("1000000", "1005000", VarianceStatus.GREEN),  # overspend within 1%
        ("1000000", "995000", VarianceStatus.GREEN),  # underspend within 1%
        ("1000000", "1010000", VarianceStatus.GREEN),  # exactly +1%: still green
        ("1000000", "990000", VarianceStatus.GREEN),  # exactly -1%: still green
        ("1000000", "1010000.01", VarianceStatus.AMBER),  # a penny over 1%
        ("1000000", "989999.99", VarianceStatus.AMBER),  # a penny under -1%
        ("1000000", "1020000", VarianceStatus.AMBER),
        ("1000000", "1030000", VarianceStatus.AMBER),  # exactly +3%: still amber
        ("1000000", "970000", VarianceStatus.AMBER),  # exactly -3%: still amber
        ("1000000", "1030000.01", VarianceStatus.RED),  # a penny beyond 3%: red
        ("1000000", "969999.99", VarianceStatus.RED),  # underspend beyond 3%: red too
        ("1000000", "1500000", VarianceStatus.RED),
        ("1000000", "0", VarianceStatus.RED),  # nothing spent against a budget
    ],
)
def test_variance_status_on_and_around_the_thresholds(budget, forecast, expected):
    assert status(budget, forecast) is expected


def test_zero_budget_with_zero_forecast_is_green_and_has_no_percentage():
    judged = variance_judge(budget=D("0.00"), forecast=D("0.00"), thresholds=ONE_AND_THREE)

    assert judged.status is VarianceStatus.GREEN
    assert judged.percent is None
    assert judged.amount == D("0.00")
    assert not judged.needs_explanation


@pytest.mark.parametrize("forecast", ["0.01", "-0.01", "250000"])
def test_zero_budget_with_any_forecast_is_red_not_applicable_and_needs_explaining(forecast):
    judged = variance_judge(budget=D("0"), forecast=D(forecast), thresholds=ONE_AND_THREE)

    assert judged.status is VarianceStatus.RED
    assert judged.percent is None  # "not applicable"
    assert judged.amount == D(forecast)
    assert judged.needs_explanation
    assert "budget of £0" in explanation_prompt(judged, ONE_AND_THREE)


def test_thresholds_are_set_by_the_finance_team():
    strict = Thresholds(D("0.5"), D("2"))

    assert status("1000", "1006", strict) is VarianceStatus.AMBER
    assert status("1000", "1021", strict) is VarianceStatus.RED
    assert status("1000", "1006") is VarianceStatus.GREEN


def test_equal_thresholds_leave_no_amber():
    flat = Thresholds(D(2), D(2))

    assert status("100", "102", flat) is VarianceStatus.GREEN
    assert status("100", "102.01", flat) is VarianceStatus.RED


def test_zero_thresholds_make_any_variance_red():
    none = Thresholds(D(0), D(0))

    assert status("100", "100", none) is VarianceStatus.GREEN
    assert status("100", "100.01", none) is VarianceStatus.RED


@pytest.mark.parametrize(("green", "amber"), [("3", "1"), ("-1", "3")])
def test_thresholds_out_of_order_are_refused(green, amber):
    with pytest.raises(ValueError, match="0 ≤ green ≤ amber"):
        Thresholds(D(green), D(amber))


def test_only_red_needs_an_explanation():
    assert explanation_required(VarianceStatus.RED)
    assert not explanation_required(VarianceStatus.AMBER)
    assert not explanation_required(VarianceStatus.GREEN)


def test_direction_of_the_variance():
    assert variance_direction(budget=D(10), forecast=D(11)) is Direction.OVERSPEND
    assert variance_direction(budget=D(10), forecast=D(9)) is Direction.UNDERSPEND
    assert variance_direction(budget=D(10), forecast=D("10.00")) is Direction.ON_BUDGET


def test_explanation_prompt_says_how_far_and_which_way():
    over = variance_judge(budget=D(1000), forecast=D(1048), thresholds=ONE_AND_THREE)
    under = variance_judge(budget=D(1000), forecast=D(950), thresholds=ONE_AND_THREE)

    assert explanation_prompt(over, ONE_AND_THREE) == (
        "Explain why the forecast outturn is 4.8% over budget: a variance beyond the 3% amber "
        "threshold needs an explanation"
    )
    assert "5% under budget" in explanation_prompt(under, ONE_AND_THREE)


@pytest.mark.parametrize("bad", [1000.0, 1000])
def test_money_must_be_decimal_never_float(bad):
    with pytest.raises(TypeError, match="Decimal"):
        variance_percent(budget=bad, forecast=D(1000))


def test_thresholds_describe_themselves():
    assert ONE_AND_THREE.description == (
        "Green within 1% of budget, amber within 3%, red beyond 3% (over or under)."
    )
    assert Thresholds(D("1.50"), D("3.00")).description.startswith("Green within 1.5%")
