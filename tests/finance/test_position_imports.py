"""Uploading a quarter's figures: checked as a whole, all or nothing, row-numbered problems
naming the column, idempotent re-runs, revisions in the history, refused after sign-off."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.apps import apps
from openpyxl import Workbook

from bury_hc.imports import ImportRefused
from bury_hc.models import ImportBatch
from finance import services
from finance.models import QuarterlyFinancialPosition
from tests.factories.finance import BudgetLineFactory, FinanceQuarterFactory
from tests.finance.conftest import Q1, Q2

pytestmark = pytest.mark.django_db

HEADINGS = list(services.UPLOAD_COLUMNS)


def csv_file(rows: list[list[str]], headings: list[str] = HEADINGS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def council_row(forecast="1000000", actual="250000", explanation="", quarter="2021/22 Q1"):
    return [quarter, "Pooled budget", "Bury Council", "Public health", "1,000,000", actual,
            forecast, explanation]  # fmt: skip


def upload(fund, content: bytes, file_name="council-q1.csv", quarter=Q1, by=None):
    return services.positions_import(
        quarter=quarter,
        content=content,
        file_name=file_name,
        organisation=fund.council,
        by=by or fund.council_officer,
    )


def snapshot() -> dict[str, list[dict]]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for app in ("finance", "bury_hc")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.fixture
def second_council_line(fund):
    return BudgetLineFactory(
        pool=fund.aligned,
        host_organisation=fund.council,
        service_area="Housing-related support",
        annual_budget=Decimal("4925000.00"),
    )


def test_upload_creates_positions_under_one_batch_with_provenance(fund, second_council_line):
    content = csv_file(
        [
            council_row(forecast="£1,005,000"),
            [
                "2021/22 Q1",
                "aligned",
                "bury council",
                "Housing-related support",
                "4925000",
                "1200000.50",
                "4925000",
                "",
            ],
        ]
    )

    outcome = upload(fund, content)

    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 0, 0)
    batch = outcome.batch
    assert batch.kind == ImportBatch.Kind.FINANCE
    assert batch.file_name == "council-q1.csv"
    assert batch.imported_by == fund.council_officer
    assert batch.row_count == 2
    assert batch.file_format == "finance-quarter-csv"
    positions = {p.line.service_area: p for p in QuarterlyFinancialPosition.objects.all()}
    assert positions["Public health"].forecast_outturn == Decimal("1005000.00")
    assert positions["Housing-related support"].actual_to_date == Decimal("1200000.50")
    assert {p.batch_id for p in positions.values()} == {batch.pk}
    record = positions["Public health"].history.get()
    assert record.history_user == fund.council_officer
    assert record.history_change_reason == "Uploaded in council-q1.csv"


def test_upload_of_the_same_file_twice_changes_nothing(fund, second_council_line):
    content = csv_file([council_row(forecast="1040000", explanation="Demand")])
    upload(fund, content)
    before = snapshot()

    again = upload(fund, content)

    assert not again.changed_anything
    assert again.unchanged == 1
    assert snapshot() == before  # no new batch, no new version, no new history


def test_a_revised_file_updates_and_the_history_shows_it(fund):
    first = upload(fund, csv_file([council_row(forecast="1000000")]))

    revised = upload(fund, csv_file([council_row(forecast="1025000")]), "council-q1-v2.csv")

    assert (revised.updated, revised.created) == (1, 0)
    position = QuarterlyFinancialPosition.objects.get()
    assert position.version == 2
    assert position.batch == revised.batch != first.batch
    history = list(position.history.order_by("history_date"))
    assert [(h.forecast_outturn, h.batch.file_name, h.version) for h in history] == [
        (Decimal("1000000.00"), "council-q1.csv", 1),
        (Decimal("1025000.00"), "council-q1-v2.csv", 2),
    ]
    assert history[-1].history_change_reason == "Uploaded in council-q1-v2.csv"


def test_a_bad_file_changes_nothing_and_names_rows_and_columns(fund, second_council_line):
    upload(fund, csv_file([council_row()]))
    before = snapshot()
    content = csv_file(
        [
            council_row(forecast="1,0x0"),  # row 2: not a number
            ["2021/22 Q1", "Pooled budget", "Bury Council", "Not a line", "1", "1", "1", ""],
            [
                "2021/22 Q1",
                "Pooled budget",
                "NHS GM (Bury)",
                "Continuing health care",
                "2000000",
                "1",
                "2000000",
                "",
            ],  # row 4: another organisation's line
            [
                "2021/22 Q1",
                "Aligned budget",
                "Bury Council",
                "Housing-related support",
                "4925000",
                "1",
                "5200000",
                "",
            ],  # row 5: red with no explanation
            council_row(quarter="2021/22 Q2"),  # row 6: wrong quarter
            [
                "2021/22 Q1",
                "Pooled budget",
                "Bury Council",
                "Public health",
                "-5",
                "",
                "1.234",
                "",
            ],  # row 7: duplicate, negative budget, blank actual, 3 decimal places
        ]
    )

    with pytest.raises(ImportRefused) as refused:
        upload(fund, content, file_name="bad.csv")

    problems = {(p.row, p.column): p.message for p in refused.value.problems}
    assert problems[(2, "Forecast outturn")] == "“1,0x0” is not a number."
    assert "no 2021/22 budget line “Not a line”" in problems[(3, "Service area")]
    assert problems[(4, "Organisation")] == (
        "You can upload figures only for Bury Council's budget lines; this row is for "
        "NHS Greater Manchester (Bury)."
    )
    assert "5.6% over budget" in problems[(5, "Explanation")]
    assert "This row is for 2021/22 Q2" in problems[(6, "Quarter")]
    assert "already in row 2" in problems[(7, "Service area")]
    assert problems[(7, "Budget")] == "The budget cannot be negative."
    assert problems[(7, "Actual to date")] == "Enter the actual to date in pounds."
    assert "more than 2 decimal places" in problems[(7, "Forecast outturn")]
    assert next(str(p) for p in refused.value.problems).startswith("Row 2, column “")
    assert snapshot() == before
    assert not ImportBatch.objects.filter(file_name="bad.csv").exists()


def test_a_file_without_a_column_is_refused(fund):
    headings = [name for name in HEADINGS if name != "Forecast outturn"]

    with pytest.raises(ImportRefused) as refused:
        upload(fund, csv_file([[*council_row()[:6], ""]], headings))

    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (1, "Forecast outturn")
    assert not QuarterlyFinancialPosition.objects.exists()


def test_headings_match_without_regard_to_case(fund):
    content = csv_file([council_row()], [name.upper() for name in HEADINGS])

    assert upload(fund, content).created == 1


def test_an_excel_file_uploads_like_a_csv(fund):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS)
    sheet.append(["2021/22 Q1", "Pooled budget", "Bury Council", "Public health", 1000000,
                  250000.5, 1012000, "Agency staff"])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)

    outcome = upload(fund, out.getvalue(), file_name="council.xlsx")

    assert outcome.batch.file_format == "finance-quarter-xlsx"
    position = QuarterlyFinancialPosition.objects.get()
    assert position.actual_to_date == Decimal("250000.50")
    assert position.forecast_outturn == Decimal("1012000.00")


def test_upload_into_a_signed_off_quarter_is_refused(fund):
    FinanceQuarterFactory(
        quarter=Q1, state="signed_off", signed_off_by=fund.lead, signed_off_at="2021-07-29T14:00Z"
    )

    with pytest.raises(services.QuarterLocked):
        upload(fund, csv_file([council_row()]))
    assert not QuarterlyFinancialPosition.objects.exists()
    assert not ImportBatch.objects.exists()


def test_upload_for_another_quarter_is_unaffected_by_a_sign_off(fund):
    FinanceQuarterFactory(
        quarter=Q1, state="signed_off", signed_off_by=fund.lead, signed_off_at="2021-07-29T14:00Z"
    )

    outcome = upload(fund, csv_file([council_row(quarter="2021/22 Q2")]), quarter=Q2)

    assert outcome.created == 1


def test_an_upload_makes_an_open_browser_form_stale(fund):
    upload(fund, csv_file([council_row()]))  # version 1, as a form is opened
    upload(fund, csv_file([council_row(forecast="1001000")]), "v2.csv")  # version 2

    with pytest.raises(services.StaleEdit):
        services.position_save(
            line=fund.council_line,
            quarter=Q1,
            budget=Decimal("1000000"),
            actual_to_date=Decimal("1"),
            forecast_outturn=Decimal("1000000"),
            explanation="",
            by=fund.council_officer,
            expected_version=1,
        )
    assert QuarterlyFinancialPosition.objects.get().forecast_outturn == Decimal("1001000.00")


def test_a_repeated_heading_is_refused_as_the_measure_import_refuses_it(fund):
    content = csv_file([council_row()], headings=[*HEADINGS[:-1], "budget"])

    with pytest.raises(ImportRefused) as refused:
        upload(fund, content)

    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [
        (1, "budget", "This heading appears twice; rename one.")
    ]


@pytest.mark.parametrize(
    ("actual", "says"),
    [
        ("(12", "unmatched bracket"),
        ("12)", "unmatched bracket"),
        ("1e30", "smaller than 1,000,000,000,000"),
        ("9" * 29, "smaller than 1,000,000,000,000"),
        ("12.345", "no more than 2 decimal places"),
    ],
)
def test_bad_numbers_are_named_problems_not_server_errors(fund, actual, says):
    before = snapshot()

    with pytest.raises(ImportRefused) as refused:
        upload(fund, csv_file([council_row(actual=actual)]))

    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "Actual to date")
    assert says in problem.message
    assert snapshot() == before


def test_accounting_negatives_are_read_as_negative(fund):
    upload(fund, csv_file([council_row(actual="(250,000)")]))

    assert QuarterlyFinancialPosition.objects.get().actual_to_date == Decimal("-250000")
