"""Reporting periods: the one place that knows the UK financial year.

The financial year runs from 1 April to 31 March; Q1 is April to June and Q4 January to March.
"2024/25 Q4" therefore means 1 January 2025 to 31 March 2025, everywhere in the application.

`parse_period` reads the spellings found in source files ("Apr-24", "2023-24", "2015 - 17",
"Q4 2024/25", "2025-03") into a `Period`; the value classes give labels and arithmetic.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

FIRST_MONTH = 4  # April
# The financial years a written year may name (their first calendar year). Years far outside
# are typing mistakes or probes, and year 0 or 9999 cannot even be given dates (a quarter of
# 0000-01 was an error page, not a "not found").
FIRST_YEAR = 1900
LAST_YEAR = 2198


class PeriodParseError(ValueError):
    """A period label that cannot be read; the message says what was expected."""


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    FINANCIAL_YEAR = "financial_year"
    CALENDAR_YEAR = "calendar_year"
    MULTI_YEAR = "multi_year"
    DAY = "day"

    @property
    def label(self) -> str:
        return {
            "month": "Month",
            "quarter": "Quarter",
            "financial_year": "Financial year",
            "calendar_year": "Calendar year",
            "multi_year": "Several calendar years",
            "day": "Single day",
        }[self.value]


def _two_digit_year_follows(start_year: int, end_text: str) -> bool:
    """Whether `end_text` names the year after `start_year`: "25" or "2025" after 2024, and
    "00" or "2000" after 1999 (a two-digit year compares modulo 100, across the century)."""
    end = int(end_text)
    if len(end_text) == 4:
        return end == start_year + 1
    return end == (start_year + 1) % 100


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A UK financial year, named by the calendar year it starts in (2024 is 2024/25)."""

    start_year: int

    @classmethod
    def containing(cls, day: dt.date) -> FinancialYear:
        return cls(day.year if day.month >= FIRST_MONTH else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """Read "2024/25", "2024-25", "2024-2025", "FY2024/25" or "24/25"."""
        cleaned = text.strip().upper().removeprefix("FY").strip()
        match = re.fullmatch(r"(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4})", cleaned)
        if match:
            start_text, end_text = match.groups()
            start = int(start_text) if len(start_text) == 4 else 2000 + int(start_text)
            if _two_digit_year_follows(start, end_text):
                if not FIRST_YEAR <= start <= LAST_YEAR:
                    raise _outside_years(text)
                return cls(start)
        raise PeriodParseError(
            f"“{text}” is not a financial year: write it like 2024/25 (April 2024 to March 2025)."
        )

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def code(self) -> str:
        """URL-safe form: 2024-25."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, FIRST_MONTH, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, FIRST_MONTH - 1, 31)

    @property
    def quarters(self) -> tuple[Quarter, ...]:
        return tuple(Quarter(self.start_year, number) for number in range(1, 5))

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year: Quarter(2024, 4) is 2024/25 Q4, January to March 2025."""

    start_year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise PeriodParseError(f"A quarter is numbered 1 to 4, not {self.number}.")

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        year = FinancialYear.containing(day)
        months_in = (day.month - FIRST_MONTH) % 12
        return cls(year.start_year, months_in // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read "2024/25 Q4", "Q4 2024/25", "2024-25-Q4", "2024/25 Quarter 4" or "Q4 24/25"."""
        cleaned = re.sub(r"\s+", " ", text.strip().upper().replace("QUARTER", "Q"))
        padded = f" {cleaned} "
        number = re.search(r"[\s-]Q ?([1-4])[\s-]", padded)
        if number:
            year_text = (padded[: number.start()] + " " + padded[number.end() :]).strip(" -")
            try:
                return cls(FinancialYear.parse(year_text).start_year, int(number.group(1)))
            except PeriodParseError:
                pass
        raise PeriodParseError(
            f"“{text}” is not a quarter: write it like 2024/25 Q4 (January to March 2025)."
        )

    @classmethod
    def from_code(cls, code: str) -> Quarter:
        """The inverse of `code` ("2024-25-Q4"), for URLs and query strings."""
        return cls.parse(code)

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear(self.start_year)

    @property
    def start(self) -> dt.date:
        month = FIRST_MONTH + 3 * (self.number - 1)
        year = self.start_year + (month - 1) // 12
        return dt.date(year, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        last_month_start = Month.from_date(self.start).shift(2)
        return last_month_start.end

    @property
    def months(self) -> tuple[Month, ...]:
        first = Month.from_date(self.start)
        return tuple(first.shift(offset) for offset in range(3))

    @property
    def label(self) -> str:
        return f"{self.financial_year.label} Q{self.number}"

    @property
    def code(self) -> str:
        """URL-safe form: 2024-25-Q4."""
        return f"{self.financial_year.code}-Q{self.number}"

    @property
    def months_label(self) -> str:
        first, _, last = self.months
        return f"{first.start:%B} to {last.start:%B %Y}"

    def shift(self, quarters: int) -> Quarter:
        index = self.start_year * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> Quarter:
        return self.shift(-1)

    def next(self) -> Quarter:
        return self.shift(1)

    def same_quarter_last_year(self) -> Quarter:
        return self.shift(-4)

    def __str__(self) -> str:
        return self.label


_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES.update(
    {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
)
_MONTH_NAMES["sept"] = 9


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def from_date(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def quarter(self) -> Quarter:
        return Quarter.containing(self.start)

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class Period:
    """A span of time that a value describes: its type and first and last days (inclusive)."""

    start: dt.date
    end: dt.date
    type: PeriodType

    @classmethod
    def for_month(cls, month: Month) -> Period:
        return cls(month.start, month.end, PeriodType.MONTH)

    @classmethod
    def for_quarter(cls, quarter: Quarter) -> Period:
        return cls(quarter.start, quarter.end, PeriodType.QUARTER)

    @classmethod
    def for_financial_year(cls, year: FinancialYear) -> Period:
        return cls(year.start, year.end, PeriodType.FINANCIAL_YEAR)

    @classmethod
    def for_day(cls, day: dt.date) -> Period:
        return cls(day, day, PeriodType.DAY)

    @property
    def quarter(self) -> Quarter:
        """The quarter in which the period ends: where a dashboard reports it."""
        return Quarter.containing(self.end)

    @property
    def label(self) -> str:
        match self.type:
            case PeriodType.MONTH:
                return Month.from_date(self.start).label
            case PeriodType.QUARTER:
                return Quarter.containing(self.start).label
            case PeriodType.FINANCIAL_YEAR:
                return FinancialYear.containing(self.start).label
            case PeriodType.CALENDAR_YEAR:
                return str(self.start.year)
            case PeriodType.MULTI_YEAR:
                if (self.start.month, self.end.month) == (FIRST_MONTH, FIRST_MONTH - 1):
                    first = FinancialYear.containing(self.start)
                    return f"{first.label} to {FinancialYear.containing(self.end).label}"
                return f"{self.start.year} to {self.end.year}"
            case PeriodType.DAY:
                return f"{self.start:%-d %B %Y}"
        raise AssertionError(self.type)  # pragma: no cover

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """Read a period label as source files write it.

    Accepted: months ("Apr-24", "April 2024", "2024-04"), days ("2025-03-31", "31/03/2025"),
    quarters ("2024/25 Q4", "Q4 2024/25"), financial years ("2023-24", "2023/24", ASCOF's spelling),
    calendar years ("2024") and ranges of calendar years ("2015 - 17", Fingertips' spelling of a
    three-year period) and of financial years ("2019/20 - 21/22", April 2019 to March 2022). Two
    consecutive years ("2023-24") are a financial year; a wider span ("2015 - 17") is a range of
    calendar years.
    """
    raw = text.strip()
    if not raw:
        raise PeriodParseError("The period is blank.")
    cleaned = re.sub(r"\s+", " ", raw)
    for reader in _PERIOD_READERS:  # in this order: the first that reads the text wins
        try:
            period = reader(cleaned, raw)
        except PeriodParseError:
            raise
        except ValueError as exc:  # a year no date can have: "0000", "0000-01"
            raise _outside_years(raw) from exc
        if period is not None:
            if period.start.year < FIRST_YEAR or period.end.year > LAST_YEAR + 1:
                raise _outside_years(raw)
            return period
    raise PeriodParseError(
        f"“{raw}” is not a period this application can read: use a month (Apr-24), a quarter "
        "(2024/25 Q4), a financial year (2024/25) or a calendar year (2024)."
    )


def _outside_years(text: str) -> PeriodParseError:
    return PeriodParseError(
        f"“{text}” is outside the years this application reports: "
        f"{FinancialYear(FIRST_YEAR).label} to {FinancialYear(LAST_YEAR).label}."
    )


# --- the spellings parse_period reads: each returns None when the text is not its spelling -----


def _iso_day(cleaned: str, raw: str) -> Period | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        return None
    try:
        return Period.for_day(dt.date.fromisoformat(cleaned))
    except ValueError as exc:
        raise PeriodParseError(f"“{raw}” is not a real date.") from exc


def _british_day(cleaned: str, raw: str) -> Period | None:
    """A British date as spreadsheets write it: day first."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", cleaned)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return Period.for_day(dt.date(year, month, day))
    except ValueError as exc:
        raise PeriodParseError(f"“{raw}” is not a real date (day/month/year).") from exc


def _financial_year_span(cleaned: str, raw: str) -> Period | None:
    """Fingertips' span of financial years: "2019/20 - 21/22"."""
    match = re.fullmatch(r"(\d{4})/(\d{2}) ?- ?(\d{2}|\d{4})/(\d{2})", cleaned)
    if not match:
        return None
    first = FinancialYear.parse(f"{match.group(1)}/{match.group(2)}")
    last_text = match.group(3)
    last_start = int(last_text) if len(last_text) == 4 else first.start_year // 100 * 100
    if len(last_text) == 2:
        last_start += int(last_text)
    if _two_digit_year_follows(last_start, match.group(4)) and last_start > first.start_year:
        return Period(first.start, FinancialYear(last_start).end, PeriodType.MULTI_YEAR)
    return None


def _iso_month(cleaned: str, raw: str) -> Period | None:
    """ "2025-03", but not "2024-25" (a financial year)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", cleaned)
    if (
        match
        and 1 <= int(match.group(2)) <= 12
        and not _two_digit_year_follows(int(match.group(1)), match.group(2))
    ):
        return Period.for_month(Month(int(match.group(1)), int(match.group(2))))
    return None


def _named_month(cleaned: str, raw: str) -> Period | None:
    """ "Apr-24", "April 2024"."""
    match = re.fullmatch(r"([A-Za-z]+)[ -](\d{2}|\d{4})", cleaned)
    if not match or match.group(1).lower() not in _MONTH_NAMES:
        return None
    year = int(match.group(2))
    year = year if year >= 100 else 2000 + year
    return Period.for_month(Month(year, _MONTH_NAMES[match.group(1).lower()]))


def _quarter(cleaned: str, raw: str) -> Period | None:
    return Period.for_quarter(Quarter.parse(cleaned)) if "Q" in cleaned.upper() else None


def _calendar_year(cleaned: str, raw: str) -> Period | None:
    if not re.fullmatch(r"\d{4}", cleaned):
        return None
    year = int(cleaned)
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), PeriodType.CALENDAR_YEAR)


def _year_pair(cleaned: str, raw: str) -> Period | None:
    """Two consecutive years ("2023-24") are a financial year; a wider span ("2015 - 17") is a
    range of calendar years."""
    match = re.fullmatch(r"(\d{4}) ?[/-] ?(\d{2}|\d{4})", cleaned)
    if not match:
        return None
    start_year, end_text = int(match.group(1)), match.group(2)
    if _two_digit_year_follows(start_year, end_text):
        return Period.for_financial_year(FinancialYear(start_year))
    end_year = int(end_text) if len(end_text) == 4 else (start_year // 100) * 100 + int(end_text)
    if end_year > start_year + 1:
        return Period(dt.date(start_year, 1, 1), dt.date(end_year, 12, 31), PeriodType.MULTI_YEAR)
    return None


_PERIOD_READERS = (
    _iso_day,
    _british_day,
    _financial_year_span,
    _iso_month,
    _named_month,
    _quarter,
    _calendar_year,
    _year_pair,
)


def current_quarter(today: dt.date | None = None) -> Quarter:
    return Quarter.containing(today or dt.date.today())  # noqa: DTZ011 - a calendar date is meant
