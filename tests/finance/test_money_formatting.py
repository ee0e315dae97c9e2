"""The variance formatting added to bury_hc.formatting: signed pounds, £m and percentages."""

from decimal import Decimal

import pytest

from bury_hc.formatting import percent_signed, pounds_millions_signed, pounds_signed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1507000"), "+£1,507,000"),
        (Decimal("-1024000.50"), "−£1,024,001"),
        (Decimal("0.49"), "£0"),
        (Decimal("0.50"), "+£1"),
        (Decimal("-0.4"), "£0"),
        (None, "–"),
    ],
)
def test_pounds_signed(value, text):
    assert pounds_signed(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("3288000"), "+£3.3m"),
        (Decimal("-1250000"), "−£1.3m"),
        (Decimal("49999"), "£0.0m"),
        (Decimal("50000"), "+£0.1m"),
        (None, "–"),
    ],
)
def test_pounds_millions_signed(value, text):
    assert pounds_millions_signed(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("4.8"), "+4.8%"),
        (Decimal("-3.45"), "−3.5%"),  # half up, away from zero
        (Decimal("0.04"), "0.0%"),
        (Decimal("0.05"), "+0.1%"),
        (Decimal("0.63261538461538461538"), "+0.6%"),
        (None, "not applicable"),
    ],
)
def test_percent_signed(value, text):
    assert percent_signed(value) == text
