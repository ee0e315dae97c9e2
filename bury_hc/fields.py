"""Model fields that store reporting periods as values the database can sort and compare."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from bury_hc.periods import FinancialYear, PeriodParseError, Quarter

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable


class QuarterFormField(forms.CharField):
    """Form field for a quarter: the user writes "2024/25 Q4"; cleaned data is a `Quarter`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "For example, 2024/25 Q4 (January to March 2025)")
        kwargs.pop("max_length", None)
        super().__init__(max_length=20, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            value = Quarter.containing(value)
        return value.label if isinstance(value, Quarter) else value

    def to_python(self, value: Any) -> Quarter | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return Quarter.parse(text)
        except PeriodParseError as exc:
            raise ValidationError(str(exc), code="invalid_quarter") from exc

    def run_validators(self, value: Any) -> None:
        # CharField's validators (max length) measure text, not the parsed `Quarter`.
        super().run_validators(value.label if isinstance(value, Quarter) else value)


class FinancialYearFormField(forms.CharField):
    """Form field for a financial year: the user writes "2024/25"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "For example, 2024/25 (April 2024 to March 2025)")
        for integer_only in ("max_length", "min_value", "max_value", "step_size"):
            kwargs.pop(integer_only, None)
        super().__init__(max_length=9, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            value = FinancialYear(value)
        return value.label if isinstance(value, FinancialYear) else value

    def to_python(self, value: Any) -> FinancialYear | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return FinancialYear.parse(text)
        except PeriodParseError as exc:
            raise ValidationError(str(exc), code="invalid_financial_year") from exc

    def run_validators(self, value: Any) -> None:
        # CharField's validators (max length) measure text, not the parsed `FinancialYear`.
        super().run_validators(value.label if isinstance(value, FinancialYear) else value)


class QuarterField(models.DateField):
    """A financial-year quarter, stored as its first day (2024/25 Q4 is 2025-01-01).

    Python code sees `Quarter` objects; lookups accept a `Quarter`, a date or a label.
    """

    description = "Financial-year quarter"
    # The types django-stubs gives the model attribute (set, get) and its lookups: a Quarter,
    # where DateField has a date (so narrower than the base class: hence the ignores).
    _pyi_private_set_type: Quarter | dt.date | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Quarter  # type: ignore[assignment]
    _pyi_lookup_exact_type: Quarter | dt.date | str  # type: ignore[assignment]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Quarter | None:
        return None if value is None else Quarter.containing(value)

    def to_python(self, value: Any) -> Quarter | None:
        if value is None or value == "" or isinstance(value, Quarter):
            return value or None
        if isinstance(value, dt.date):
            return Quarter.containing(value)
        try:
            return Quarter.parse(str(value))
        except PeriodParseError as exc:
            raise ValidationError(str(exc), code="invalid_quarter") from exc

    def get_prep_value(self, value: Any) -> dt.date | None:
        quarter = self.to_python(value)
        return None if quarter is None else quarter.start

    def value_to_string(self, obj: models.Model) -> str:
        value: Quarter | None = getattr(obj, self.attname)
        return "" if value is None else value.code

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": QuarterFormField, **kwargs})

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return getattr(model_instance, self.attname)


class FinancialYearField(models.PositiveSmallIntegerField):
    """A UK financial year, stored as the calendar year it starts in (2024/25 is 2024)."""

    description = "UK financial year"
    _pyi_private_set_type: FinancialYear | int | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: FinancialYear  # type: ignore[assignment]
    _pyi_lookup_exact_type: FinancialYear | int | str  # type: ignore[assignment]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> FinancialYear | None:
        return None if value is None else FinancialYear(value)

    def to_python(self, value: Any) -> FinancialYear | None:
        if value is None or value == "" or isinstance(value, FinancialYear):
            return value or None
        if isinstance(value, int):
            return FinancialYear(value)
        try:
            return FinancialYear.parse(str(value))
        except PeriodParseError as exc:
            raise ValidationError(str(exc), code="invalid_financial_year") from exc

    def get_prep_value(self, value: Any) -> int | None:
        year = self.to_python(value)
        return None if year is None else year.start_year

    def run_validators(self, value: Any) -> None:
        # The integer range validators compare the stored number, not the `FinancialYear`.
        super().run_validators(value.start_year if isinstance(value, FinancialYear) else value)

    def value_to_string(self, obj: models.Model) -> str:
        value: FinancialYear | None = getattr(obj, self.attname)
        return "" if value is None else value.label

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": FinancialYearFormField, **kwargs})
