"""Money and measure values as people read them: Decimal in, text out, never a float between."""

from decimal import Decimal

import pytest

from bury_hc.formatting import (
    measure_value,
    percent_signed,
    pounds,
    pounds_millions,
    pounds_millions_signed,
    pounds_signed,
    round_half_up,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567.5"), "£1,234,568"),
        (Decimal("1234567.49"), "£1,234,567"),
        (Decimal("0"), "£0"),
        (Decimal("0.50"), "£1"),
        (Decimal("999.99"), "£1,000"),
        (Decimal("-1234567.5"), "−£1,234,568"),
        (Decimal("-0.4"), "£0"),
        (Decimal("1E+3"), "£1,000"),
    ],
)
def test_pounds(value, text):
    assert pounds(value) == text


def test_pounds_negative_uses_a_minus_sign_before_the_pound_sign():
    assert pounds(Decimal("-25")) == "\u2212£25"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("330000000"), "£330.0m"),
        (Decimal("1250000"), "£1.3m"),
        (Decimal("1249999.99"), "£1.2m"),
        (Decimal("-1250000"), "−£1.3m"),
        (Decimal("-49999"), "£0.0m"),
        (Decimal("1234567890"), "£1,234.6m"),
    ],
)
def test_pounds_millions(value, text):
    assert pounds_millions(value) == text


def test_pounds_millions_places():
    assert pounds_millions(Decimal("330123456"), places=2) == "£330.12m"
    assert pounds_millions(Decimal("330123456"), places=0) == "£330m"


def test_money_missing_value_is_a_dash():
    assert pounds(None) == "–"
    assert pounds_millions(None) == "–"


@pytest.mark.parametrize(
    ("value", "unit", "places", "text"),
    [
        (Decimal("85.45"), "percentage", 1, "85.5%"),
        (Decimal("85.5"), "percentage", 0, "86%"),
        (Decimal("-3.5"), "percentage", 0, "-4%"),
        (Decimal("26"), "days", 0, "26 days"),
        (Decimal("1"), "days", 0, "1 day"),
        (Decimal("1.4"), "days", 0, "1 day"),
        (Decimal("1.5"), "days", 0, "2 days"),
        (Decimal("0"), "days", 0, "0 days"),
        (Decimal("54"), "count", 0, "54"),
        (Decimal("12345.5"), "count", 0, "12,346"),
        (Decimal("612.345"), "rate_per_100k", 1, "612.3 per 100,000"),
        (Decimal("3.25"), "score", 1, "3.3"),
        (Decimal("1234567.5"), "pounds", 0, "£1,234,568"),
        (Decimal("1234.5"), "pounds", 2, "£1,234.50"),
        (Decimal("-1234.5"), "pounds", 2, "−£1,234.50"),
    ],
)
def test_measure_value(value, unit, places, text):
    assert measure_value(value, unit=unit, decimal_places=places) == text


@pytest.mark.parametrize("unit", ["percentage", "days", "count", "pounds", "rate_per_100k"])
def test_measure_value_missing_is_no_data(unit):
    assert measure_value(None, unit=unit) == "No data"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("2.5"), 0, Decimal("3")),
        (Decimal("3.5"), 0, Decimal("4")),
        (Decimal("-2.5"), 0, Decimal("-3")),
        (Decimal("2.345"), 2, Decimal("2.35")),
        (Decimal("2.344"), 2, Decimal("2.34")),
    ],
)
def test_round_half_up_is_not_bankers_rounding(value, places, expected):
    result = round_half_up(value, places)

    assert result == expected
    assert isinstance(result, Decimal)


def test_no_float_creeps_in_large_values_keep_every_digit():
    # Twenty significant digits: a float would lose the last few.
    value = Decimal("12345678901234567890.5")

    assert pounds(value) == "£12,345,678,901,234,567,891"
    assert measure_value(value, unit="count") == "12,345,678,901,234,567,891"
    assert pounds_millions(value, places=3) == "£12,345,678,901,234.568m"


def test_no_float_creeps_in_half_pennies_round_up():
    # 0.285 is 0.28499999... as a float, so float rounding would give 0.28.
    assert measure_value(Decimal("0.285"), unit="pounds", decimal_places=2) == "£0.29"
    assert measure_value(Decimal("1.005"), unit="percentage", decimal_places=2) == "1.01%"


@pytest.mark.parametrize(
    "call",
    [
        lambda: pounds(1234.5),
        lambda: pounds_millions(330000000.0),
        lambda: measure_value(85.5, unit="percentage"),
        lambda: round_half_up(2.5),
        lambda: pounds_signed(-0.5),
        lambda: pounds_millions_signed(1.0e6),
        lambda: percent_signed(4.8),
    ],
)
def test_floats_are_refused_not_formatted(call):
    with pytest.raises(TypeError, match="is a float: money and measure values must be Decimal"):
        call()
