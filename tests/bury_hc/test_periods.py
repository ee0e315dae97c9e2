"""Reporting periods: the UK financial year, quarters, months, and the spellings in source files."""

import datetime as dt
import re

import pytest

from bury_hc.periods import (
    FinancialYear,
    Month,
    Period,
    PeriodParseError,
    PeriodType,
    Quarter,
    current_quarter,
    parse_period,
)

D = dt.date


# --- parse_period ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period_type", "start", "end", "label"),
    [
        ("Apr-24", PeriodType.MONTH, D(2024, 4, 1), D(2024, 4, 30), "April 2024"),
        ("Sept 24", PeriodType.MONTH, D(2024, 9, 1), D(2024, 9, 30), "September 2024"),
        ("March 2025", PeriodType.MONTH, D(2025, 3, 1), D(2025, 3, 31), "March 2025"),
        ("2025-03", PeriodType.MONTH, D(2025, 3, 1), D(2025, 3, 31), "March 2025"),
        ("2024-02", PeriodType.MONTH, D(2024, 2, 1), D(2024, 2, 29), "February 2024"),
        ("2025-03-31", PeriodType.DAY, D(2025, 3, 31), D(2025, 3, 31), "31 March 2025"),
        ("2023-24", PeriodType.FINANCIAL_YEAR, D(2023, 4, 1), D(2024, 3, 31), "2023/24"),
        ("2023/24", PeriodType.FINANCIAL_YEAR, D(2023, 4, 1), D(2024, 3, 31), "2023/24"),
        ("2024-2025", PeriodType.FINANCIAL_YEAR, D(2024, 4, 1), D(2025, 3, 31), "2024/25"),
        ("1999/00", PeriodType.FINANCIAL_YEAR, D(1999, 4, 1), D(2000, 3, 31), "1999/00"),
        ("2015 - 17", PeriodType.MULTI_YEAR, D(2015, 1, 1), D(2017, 12, 31), "2015 to 2017"),
        ("2019-21", PeriodType.MULTI_YEAR, D(2019, 1, 1), D(2021, 12, 31), "2019 to 2021"),
        ("2024/25 Q4", PeriodType.QUARTER, D(2025, 1, 1), D(2025, 3, 31), "2024/25 Q4"),
        ("Q4 2024/25", PeriodType.QUARTER, D(2025, 1, 1), D(2025, 3, 31), "2024/25 Q4"),
        ("2024/25 Quarter 1", PeriodType.QUARTER, D(2024, 4, 1), D(2024, 6, 30), "2024/25 Q1"),
        ("2024", PeriodType.CALENDAR_YEAR, D(2024, 1, 1), D(2024, 12, 31), "2024"),
        ("  Apr-24  ", PeriodType.MONTH, D(2024, 4, 1), D(2024, 4, 30), "April 2024"),
    ],
)
def test_parse_period_reads_source_spellings(text, period_type, start, end, label):
    period = parse_period(text)

    assert period == Period(start, end, period_type)
    assert period.label == label
    assert str(period) == label


@pytest.mark.parametrize(
    ("text", "expected_in_message"),
    [
        ("", "blank"),
        ("   ", "blank"),
        ("2025-02-30", "not a real date"),
        ("2025-13", "use a month (Apr-24), a quarter (2024/25 Q4)"),
        ("Foo-24", "“Foo-24” is not a period"),
        ("2024/26 Q1", "“2024/26 Q1” is not a quarter: write it like 2024/25 Q4"),
        ("2024/25 Q5", "is not a quarter"),
        ("next year", "a financial year (2024/25)"),
        ("2017 - 15", "is not a period this application can read"),
        # Years no date can have were a ValueError, and a 500 on the import page.
        ("0000", "“0000” is outside the years this application reports: 1900/01 to 2198/99"),
        ("0000-01", "is outside the years this application reports"),
        ("0000/01", "is outside the years this application reports"),
        ("9999", "is outside the years this application reports"),
        ("31/12/9999", "is outside the years this application reports"),
    ],
)
def test_parse_period_rejects_bad_input_with_helpful_message(text, expected_in_message):
    with pytest.raises(PeriodParseError, match=re.escape(expected_in_message)):
        parse_period(text)


def test_period_parse_error_is_a_value_error():
    assert issubclass(PeriodParseError, ValueError)


def test_period_quarter_is_where_its_end_is_reported():
    assert parse_period("2023-24").quarter == Quarter(2023, 4)
    assert parse_period("Apr-24").quarter == Quarter(2024, 1)


# --- Quarter ------------------------------------------------------------------------------------


def test_quarter_four_is_january_to_march_of_the_next_calendar_year():
    quarter = Quarter(2024, 4)

    assert quarter.start == D(2025, 1, 1)
    assert quarter.end == D(2025, 3, 31)
    assert quarter.label == "2024/25 Q4"
    assert quarter.months_label == "January to March 2025"
    assert quarter.months == (Month(2025, 1), Month(2025, 2), Month(2025, 3))
    assert quarter.financial_year == FinancialYear(2024)


@pytest.mark.parametrize(
    ("number", "start", "end"),
    [
        (1, D(2024, 4, 1), D(2024, 6, 30)),
        (2, D(2024, 7, 1), D(2024, 9, 30)),
        (3, D(2024, 10, 1), D(2024, 12, 31)),
        (4, D(2025, 1, 1), D(2025, 3, 31)),
    ],
)
def test_quarter_spans(number, start, end):
    assert (Quarter(2024, number).start, Quarter(2024, number).end) == (start, end)


@pytest.mark.parametrize("number", [0, 5, -1])
def test_quarter_number_outside_one_to_four_is_refused(number):
    with pytest.raises(PeriodParseError, match=f"numbered 1 to 4, not {number}"):
        Quarter(2024, number)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 3, 31), Quarter(2024, 4)),
        (D(2025, 4, 1), Quarter(2025, 1)),
        (D(2025, 6, 30), Quarter(2025, 1)),
        (D(2025, 7, 1), Quarter(2025, 2)),
        (D(2025, 9, 30), Quarter(2025, 2)),
        (D(2025, 10, 1), Quarter(2025, 3)),
        (D(2025, 12, 31), Quarter(2025, 3)),
        (D(2026, 1, 1), Quarter(2025, 4)),
    ],
)
def test_quarter_containing_each_boundary(day, expected):
    assert Quarter.containing(day) == expected


def test_quarter_containing_every_day_of_a_year_lies_within_it():
    day = D(2024, 1, 1)
    while day.year == 2024:
        quarter = Quarter.containing(day)
        assert quarter.start <= day <= quarter.end
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("quarter", "offset", "expected"),
    [
        (Quarter(2024, 4), 1, Quarter(2025, 1)),
        (Quarter(2025, 1), -1, Quarter(2024, 4)),
        (Quarter(2024, 3), 1, Quarter(2024, 4)),
        (Quarter(2024, 2), 8, Quarter(2026, 2)),
        (Quarter(2024, 2), -9, Quarter(2022, 1)),
        (Quarter(2024, 2), 0, Quarter(2024, 2)),
    ],
)
def test_quarter_shift_across_year_boundaries(quarter, offset, expected):
    assert quarter.shift(offset) == expected


def test_quarter_previous_and_next():
    assert Quarter(2025, 1).previous() == Quarter(2024, 4)
    assert Quarter(2024, 4).next() == Quarter(2025, 1)
    assert Quarter(2024, 2).next().previous() == Quarter(2024, 2)


def test_quarter_same_quarter_last_year():
    assert Quarter(2024, 4).same_quarter_last_year() == Quarter(2023, 4)
    assert Quarter(2024, 1).same_quarter_last_year() == Quarter(2023, 1)


def test_quarters_sort_in_time_order():
    quarters = [Quarter(2025, 1), Quarter(2024, 4), Quarter(2023, 2), Quarter(2024, 1)]

    assert sorted(quarters) == [
        Quarter(2023, 2),
        Quarter(2024, 1),
        Quarter(2024, 4),
        Quarter(2025, 1),
    ]
    assert [q.start for q in sorted(quarters)] == sorted(q.start for q in quarters)


@pytest.mark.parametrize(
    "quarter",
    [Quarter(year, number) for year in (1999, 2000, 2024, 2099) for number in (1, 2, 3, 4)],
)
def test_quarter_code_and_label_round_trip(quarter):
    assert Quarter.from_code(quarter.code) == quarter
    assert Quarter.parse(quarter.label) == quarter
    assert parse_period(quarter.label) == Period.for_quarter(quarter)


def test_quarter_code_is_url_safe():
    assert Quarter(2024, 4).code == "2024-25-Q4"
    assert Quarter(1999, 1).code == "1999-00-Q1"


@pytest.mark.parametrize(
    "text",
    ["2024/25 Q4", "Q4 2024/25", "2024-25-Q4", "2024/25 Quarter 4", "Q4 24/25", "q4 2024/25"],
)
def test_quarter_parse_spellings(text):
    assert Quarter.parse(text) == Quarter(2024, 4)


@pytest.mark.parametrize("text", ["2024 Q4", "Q4", "2024/25", "2024/25 Q9", "Q4 2024/26", ""])
def test_quarter_parse_rejects(text):
    with pytest.raises(PeriodParseError, match="write it like 2024/25 Q4"):
        Quarter.parse(text)


def test_current_quarter_for_a_given_day():
    assert current_quarter(D(2025, 1, 1)) == Quarter(2024, 4)


# --- FinancialYear ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_year", "label"),
    [(2024, "2024/25"), (1999, "1999/00"), (2000, "2000/01"), (2009, "2009/10"), (2099, "2099/00")],
)
def test_financial_year_label(start_year, label):
    year = FinancialYear(start_year)

    assert year.label == label
    assert str(year) == label
    assert FinancialYear.parse(label) == year


@pytest.mark.parametrize(
    "text", ["2024/25", "2024-25", "2024-2025", "FY2024/25", "fy 2024/25", "24/25", " 2024 / 25 "]
)
def test_financial_year_parse_spellings(text):
    assert FinancialYear.parse(text) == FinancialYear(2024)


@pytest.mark.parametrize("text", ["1999/00", "1999-2000", "1999-00"])
def test_financial_year_parse_across_the_century(text):
    assert FinancialYear.parse(text) == FinancialYear(1999)


@pytest.mark.parametrize("text", ["2024/26", "2024", "2024/24", "1999/01", "1999/1900", "year"])
def test_financial_year_parse_rejects_non_consecutive_years(text):
    with pytest.raises(PeriodParseError, match="write it like 2024/25"):
        FinancialYear.parse(text)


def test_financial_year_runs_april_to_march():
    year = FinancialYear(2024)

    assert (year.start, year.end) == (D(2024, 4, 1), D(2025, 3, 31))
    assert year.quarters == tuple(Quarter(2024, n) for n in (1, 2, 3, 4))
    assert year.previous() == FinancialYear(2023)
    assert year.next() == FinancialYear(2025)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [(D(2025, 3, 31), 2024), (D(2025, 4, 1), 2025), (D(2025, 1, 1), 2024), (D(2024, 12, 31), 2024)],
)
def test_financial_year_containing(day, start_year):
    assert FinancialYear.containing(day) == FinancialYear(start_year)


# --- Month --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        (Month(2025, 3), Quarter(2024, 4)),
        (Month(2025, 4), Quarter(2025, 1)),
        (Month(2025, 1), Quarter(2024, 4)),
        (Month(2024, 12), Quarter(2024, 3)),
        (Month(2024, 7), Quarter(2024, 2)),
    ],
)
def test_month_quarter(month, quarter):
    assert month.quarter == quarter


def test_month_shift_and_bounds():
    assert Month(2024, 12).shift(1) == Month(2025, 1)
    assert Month(2025, 1).shift(-1) == Month(2024, 12)
    assert Month(2024, 2).end == D(2024, 2, 29)
    assert Month(2023, 2).end == D(2023, 2, 28)
    assert Month(2025, 3).label == "March 2025"


def test_period_constructors_agree_with_value_objects():
    assert Period.for_quarter(Quarter(2024, 4)).label == "2024/25 Q4"
    assert Period.for_financial_year(FinancialYear(2024)).label == "2024/25"
    assert Period.for_month(Month(2024, 4)).label == "April 2024"
    assert Period.for_day(D(2025, 3, 1)).label == "1 March 2025"
