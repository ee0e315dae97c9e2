"""Numbers as people write them in spreadsheets and forms: the one strict parser used by every
upload and every form that takes a number.

Accepted: "1234", "-1234.5", "1,234,567.89" (commas only between groups of three digits),
"£1,234" and "-£12" where pounds are expected, "85%" where a percentage is, "(12)" for −12
(accounting), "−12" (the typographic minus) and "1.5E-3" (how spreadsheets write very small or
large numbers). Refused, with a message that says why: "(12" and "12)" (unbalanced brackets),
"1,23" (a misplaced separator, or a decimal comma), "NaN", "Infinity", digits other than 0-9,
and any number too big or too precise for the column it is going into (the limits are those of
the model field: `NumberFormat.for_field`). Nothing here raises anything but `NumberRefused`,
so a bad number never becomes a server error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

_NUMBER = re.compile(
    r"""
    (?P<sign>[-+]?)
    (?P<pounds>£?)
    (?P<digits>\d{1,3}(?:,\d{3})+|\d+)?
    (?P<fraction>\.\d+)?
    (?P<exponent>[eE][-+]?\d{1,4})?
    (?P<percent>%?)
    """,
    re.VERBOSE | re.ASCII,
)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class NumberRefused(ValueError):
    """The text is not a number this column can hold; the message says why (GOV.UK style).
    `code` says which rule it broke, for forms with messages of their own: "invalid",
    "bracket", "pounds", "percent", "max_digits" or "max_decimal_places"."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NumberFormat:
    """What a column accepts: its size (a DecimalField's max_digits and decimal_places), and
    whether pounds signs and percentages may be written. `round_places` rounds extra decimal
    places (a rate given to 8 places); otherwise they are refused (pence beyond the penny)."""

    max_digits: int = 20
    decimal_places: int = 6
    pounds: bool = True
    percent: bool = True
    round_places: bool = False

    @classmethod
    def for_field(cls, field: Any, **options: Any) -> NumberFormat:
        """The format of a model (or form) DecimalField, so limits live in one place."""
        return cls(max_digits=field.max_digits, decimal_places=field.decimal_places, **options)

    def but(self, **options: Any) -> NumberFormat:
        return replace(self, **options)

    @property
    def limit(self) -> Decimal:
        """The smallest number too big for the column."""
        return Decimal(10) ** (self.max_digits - self.decimal_places)

    @property
    def limit_text(self) -> str:
        return f"{self.limit:,}"


def number_parse(text: str, *, number_format: NumberFormat = NumberFormat()) -> Decimal | None:
    """The number `text` holds, None for a blank, or `NumberRefused` saying what is wrong."""
    raw = text.strip()
    if not raw:
        return None
    cleaned = _SPACES.sub("", raw).replace("\u2212", "-")
    negative = cleaned.startswith("(") or cleaned.endswith(")")
    if negative:
        if not (cleaned.startswith("(") and cleaned.endswith(")")):
            raise NumberRefused(
                f"“{raw}” has an unmatched bracket: write a negative number as (12) or -12",
                "bracket",
            )
        cleaned = cleaned[1:-1]
    match = _NUMBER.fullmatch(cleaned)
    if match is None or not (match["digits"] or match["fraction"]):
        raise NumberRefused(f"“{raw}” is not a number")
    if negative and match["sign"]:
        raise NumberRefused(f"“{raw}” has both brackets and a sign: write (12) or -12", "bracket")
    if match["pounds"] and not number_format.pounds:
        raise NumberRefused(f"“{raw}” should be a number without a £ sign", "pounds")
    if match["percent"] and not number_format.percent:
        raise NumberRefused(f"“{raw}” should be a number without a % sign", "percent")
    if match["pounds"] and match["percent"]:
        raise NumberRefused(f"“{raw}” cannot be both pounds and a percentage")
    digits = (match["digits"] or "0").replace(",", "")
    try:
        value = Decimal(f"{digits}{match['fraction'] or ''}{match['exponent'] or ''}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise NumberRefused(f"“{raw}” is not a number") from None
    if negative or match["sign"] == "-":
        value = -value
    return _fit(value, raw=raw, number_format=number_format)


def _fit(value: Decimal, *, raw: str, number_format: NumberFormat) -> Decimal:
    """The value, if it fits the column (rounded to its places when that is allowed)."""
    if abs(value) >= number_format.limit:
        raise NumberRefused(
            f"“{raw}” is too large: the number must be smaller than {number_format.limit_text}",
            "max_digits",
        )
    places = number_format.decimal_places
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        if not number_format.round_places:
            where = "no decimal places" if not places else f"no more than {places} decimal places"
            raise NumberRefused(
                f"“{raw}” has too many decimal places: give it {where}", "max_decimal_places"
            )
        value = value.quantize(Decimal(1).scaleb(-places))
    return value + 0 if value.is_zero() else value  # -0 is 0


class NumberFormField(forms.DecimalField):
    """A form's number, read with the strict parser within the field's max_digits and
    decimal_places. The parser's message is shown unless the field has its own message for
    the rule broken (`error_messages` keyed by `NumberRefused.code`)."""

    def __init__(self, *, pounds: bool = False, percent: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.number_format = NumberFormat(
            max_digits=self.max_digits or 20,
            decimal_places=self.decimal_places if self.decimal_places is not None else 6,
            pounds=pounds,
            percent=percent,
        )
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "decimal", "spellcheck": "false"})

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            value = str(value)
        try:
            return number_parse(str(value), number_format=self.number_format)
        except NumberRefused as exc:
            message = self.error_messages.get(exc.code) or str(exc)
            raise ValidationError(message, code=exc.code) from None

    def prepare_value(self, value: Any) -> Any:
        return format(value, "f") if isinstance(value, Decimal) else value
