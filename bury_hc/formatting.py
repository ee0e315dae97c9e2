"""Money and measure-value formatting: the one place numbers become text for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MILLION = Decimal(1_000_000)


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """Round as people expect (2.5 becomes 3), not as bankers do."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def pounds(value: Decimal | None) -> str:
    """£1,234,567 - whole pounds with thousands separators, for budget lines."""
    if value is None:
        return "–"
    rounded = round_half_up(value)
    sign = "−" if rounded < 0 else ""
    return f"{sign}£{abs(rounded):,.0f}"


def pounds_millions(value: Decimal | None, places: int = 1) -> str:
    """£330.0m - millions to one decimal place, for summaries."""
    if value is None:
        return "–"
    millions = round_half_up(value / MILLION, places)
    sign = "−" if millions < 0 else ""
    return f"{sign}£{abs(millions):,.{places}f}m"


def measure_value(value: Decimal | None, *, unit: str, decimal_places: int = 0) -> str:
    """A measure's value as the published report writes it: 54, 85%, 26 days."""
    if value is None:
        return "No data"
    rounded = round_half_up(value, decimal_places)
    number = f"{rounded:,.{decimal_places}f}"
    match unit:
        case "percentage":
            return f"{number}%"
        case "days":
            return f"{number} day" if rounded == 1 else f"{number} days"
        case "pounds":
            if decimal_places == 0:
                return pounds(value)
            # The sign goes before the pound sign, as in pounds(): −£1,234.50, not £-1,234.50.
            sign = "−" if rounded < 0 else ""
            return f"{sign}£{abs(rounded):,.{decimal_places}f}"
        case "rate_per_100k":
            return f"{number} per 100,000"
        case _:
            return number
