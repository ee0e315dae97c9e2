"""The one strict number parser, for uploads and forms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bury_hc.numbers import NumberFormat, NumberFormField, NumberRefused, number_parse

MONEY = NumberFormat(max_digits=14, decimal_places=2, percent=False)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", Decimal("1234")),
        (" -1234.5 ", Decimal("-1234.5")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("£1,234", Decimal("1234")),
        ("-£12", Decimal("-12")),
        ("(12)", Decimal("-12")),
        ("(£1,250.50)", Decimal("-1250.50")),
        ("−12", Decimal("-12")),
        ("1.5E-1", Decimal("0.15")),
        ("-0", Decimal("0")),
        ("", None),
        ("  ", None),
    ],
)
def test_numbers_people_write_are_read(text, value):
    assert number_parse(text, number_format=MONEY) == value


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("(12", "bracket", "unmatched bracket"),
        ("12)", "bracket", "unmatched bracket"),
        ("(-12)", "bracket", "both brackets and a sign"),
        ("1,23", "invalid", "is not a number"),
        ("12,34,567", "invalid", "is not a number"),
        ("NaN", "invalid", "is not a number"),
        ("Infinity", "invalid", "is not a number"),
        ("١٢", "invalid", "is not a number"),
        ("1_000", "invalid", "is not a number"),
        ("12%", "percent", "without a % sign"),
        ("1e30", "max_digits", "smaller than 1,000,000,000,000"),
        ("9" * 29, "max_digits", "smaller than 1,000,000,000,000"),
        ("1e999999", "invalid", "is not a number"),
        ("0.125", "max_decimal_places", "no more than 2 decimal places"),
        ("1E-9999", "max_decimal_places", "no more than 2 decimal places"),
    ],
)
def test_numbers_that_are_wrong_or_too_big_are_refused_with_a_reason(text, code, says):
    with pytest.raises(NumberRefused) as refused:
        number_parse(text, number_format=MONEY)

    assert refused.value.code == code
    assert says in str(refused.value)


def test_the_limits_come_from_the_model_field():
    from finance.models import QuarterlyFinancialPosition
    from finance.services import MONEY_FORMAT

    field = QuarterlyFinancialPosition._meta.get_field("budget")

    assert (MONEY_FORMAT.max_digits, MONEY_FORMAT.decimal_places) == (
        field.max_digits,
        field.decimal_places,
    )
    assert MONEY_FORMAT.limit == Decimal("1000000000000")


def test_extra_places_are_rounded_where_the_column_allows():
    rates = NumberFormat(max_digits=20, decimal_places=6, round_places=True)

    assert number_parse("35.12345678", number_format=rates) == Decimal("35.123457")
    assert number_parse("85%", number_format=rates) == Decimal("85")


def test_a_form_field_uses_the_parser_and_never_raises_anything_but_a_validation_error():
    from django.core.exceptions import ValidationError

    field = NumberFormField(max_digits=5, decimal_places=2, percent=True)

    assert field.clean("(1.5)") == Decimal("-1.5")
    for text in ("1e30", "(12", "1" * 40, "nan", "sNaN", "1e-999999999"):
        with pytest.raises(ValidationError):
            field.clean(text)
