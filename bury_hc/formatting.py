"""Money and measure-value formatting: the one place numbers become text for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MILLION = Decimal(1_000_000)


def refuse_float(value: object) -> None:
    """Raise TypeError for a float: money and measure values are Decimal from end to end."""
    if isinstance(value, float):
        raise TypeError(f"{value!r} is a float: money and measure values must be Decimal")


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """Round as people expect (2.5 becomes 3), not as bankers do."""
    refuse_float(value)
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
    refuse_float(value)
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


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 11th, 22nd."""
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def pounds_signed(value: Decimal | None) -> str:
    """+£1,234 / −£1,234 / £0 - a variance in whole pounds, its sign always shown."""
    if value is None:
        return "–"
    text = pounds(value)
    return f"+{text}" if round_half_up(value) > 0 else text


def pounds_millions_signed(value: Decimal | None, places: int = 1) -> str:
    """+£2.3m / −£0.4m / £0.0m - a variance in millions, its sign always shown."""
    if value is None:
        return "–"
    text = pounds_millions(value, places)
    return f"+{text}" if round_half_up(value / MILLION, places) > 0 else text


def percent_signed(value: Decimal | None, places: int = 1) -> str:
    """+4.8% / −1.2% / 0.0%; "not applicable" where there is no percentage (a zero budget)."""
    if value is None:
        return "not applicable"
    rounded = round_half_up(value, places)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return f"{sign}{abs(rounded):,.{places}f}%"
