"""Reporting periods in web addresses: the one way every app reads them.

In a path, `<quarter:quarter>` (2024-25-Q4) and `<financial_year:year>` (2024-25) give the view
a `Quarter` or a `FinancialYear`; an address that names no real period is a 404. In a query
string, `?quarter=2024-25-Q4` and `?year=2024-25` are read by `quarter_requested` and
`financial_year_requested`. The spelling is `Quarter.code` and `FinancialYear.code`
(`bury_hc/periods.py`). Registered when the module is imported; `bury_hc.apps` imports it.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import register_converter

from bury_hc.periods import FinancialYear, PeriodParseError, Quarter


class QuarterConverter:
    """2024-25-Q4 in a path; a `Quarter` in the view."""

    regex = r"\d{4}-\d{2}-Q[1-4]"

    def to_python(self, value: str) -> Quarter:
        try:
            return Quarter.from_code(value)
        except PeriodParseError as exc:  # a ValueError makes the address not match: a 404
            raise ValueError(str(exc)) from exc

    def to_url(self, value: Quarter | str) -> str:
        return value.code if isinstance(value, Quarter) else str(value)


class FinancialYearConverter:
    """2024-25 in a path; a `FinancialYear` in the view."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> FinancialYear:
        try:
            return FinancialYear.parse(value)
        except PeriodParseError as exc:
            raise ValueError(str(exc)) from exc

    def to_url(self, value: FinancialYear | str) -> str:
        return value.code if isinstance(value, FinancialYear) else str(value)


register_converter(QuarterConverter, "quarter")
register_converter(FinancialYearConverter, "financial_year")


def quarter_requested(request: HttpRequest, *, default: Quarter | None = None) -> Quarter | None:
    """The quarter named by `?quarter=2024-25-Q4`, else `default`; 404 for a quarter that
    cannot be read."""
    requested = request.GET.get("quarter")
    if not requested:
        return default
    try:
        return Quarter.from_code(requested)
    except PeriodParseError:
        raise Http404("That is not a quarter this application reports.") from None


def financial_year_requested(
    request: HttpRequest, *, default: FinancialYear | None = None
) -> FinancialYear | None:
    """The financial year named by `?year=2024-25`, else `default`; 404 for a year that cannot
    be read."""
    requested = request.GET.get("year")
    if not requested:
        return default
    try:
        return FinancialYear.parse(requested)
    except PeriodParseError:
        raise Http404("That is not a financial year.") from None
