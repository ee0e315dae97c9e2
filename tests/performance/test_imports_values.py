"""Imports of measure values: checked as a whole, written atomically, revisions and rollback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from bury_hc.imports import ImportRefused
from bury_hc.models import ImportBatch
from bury_hc.periods import Month, Period, Quarter
from performance.models import Observation, ObservationRevision
from performance.services import (
    ImportRollbackRefused,
    import_mapping_profile_save,
    observation_import_rollback,
    observations_import,
)
from tests.factories.performance import (
    AreaFactory,
    MeasureFactory,
    SourceCodeFactory,
    csv_bytes,
    template_csv,
)

pytestmark = pytest.mark.django_db
BURY = "E08000002"


@pytest.fixture
def catalogue():
    bury = AreaFactory(ons_code=BURY, name="Bury", alternative_names="Bury MBC")
    oldham = AreaFactory(ons_code="E08000004", name="Oldham")
    waiting = MeasureFactory(code="ASC-WL-01", name="Number of people waiting")
    median = MeasureFactory(code="ASC-WL-02", name="Median days waiting", unit="days")
    return {"bury": bury, "oldham": oldham, "waiting": waiting, "median": median}


def run(content: bytes, name: str = "values.csv", **kwargs):
    kwargs.setdefault("file_format", "template")
    kwargs.setdefault("source", "Tests")
    return observations_import(file_name=name, content=content, **kwargs)


def values() -> dict[tuple[str, str, str], tuple[Decimal | None, str]]:
    return {
        (o.measure.code, o.area.ons_code, o.period.label): (o.value, o.value_note)
        for o in Observation.objects.select_related("measure", "area")
    }


def database_rows() -> dict[str, list[dict]]:
    labels = ["performance.Observation", "performance.ObservationRevision", "bury_hc.ImportBatch"]
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in labels}


GOOD = template_csv(
    ("ASC-WL-01", BURY, "Mar-25", "54", ""),
    ("ASC-WL-01", "E08000004", "Mar-25", "72", ""),
    ("ASC-WL-02", "Bury", "2024/25 Q4", "26", ""),
    ("ASC-WL-02", "E08000004", "2024/25 Q4", "", "Not published"),
)


def test_template_import_writes_values_with_their_provenance(catalogue):
    outcome = run(GOOD, published_on=dt.date(2025, 6, 19))

    assert (outcome.plan.new, outcome.plan.revised, outcome.plan.unchanged) == (4, 0, 0)
    assert values() == {
        ("ASC-WL-01", BURY, "March 2025"): (Decimal("54"), ""),
        ("ASC-WL-01", "E08000004", "March 2025"): (Decimal("72"), ""),
        ("ASC-WL-02", BURY, "2024/25 Q4"): (Decimal("26"), ""),
        ("ASC-WL-02", "E08000004", "2024/25 Q4"): (None, "Not published"),
    }
    batch = Observation.objects.first().batch
    assert (batch.file_name, batch.file_format, batch.source) == ("values.csv", "template", "Tests")
    assert batch.published_on == dt.date(2025, 6, 19)
    assert batch.row_count == 4
    assert len(batch.sha256) == 64


def test_dry_run_shows_the_plan_and_writes_nothing(catalogue):
    outcome = run(GOOD, dry_run=True)

    assert outcome.summary["new"] == 4
    assert outcome.summary["sample_rows"][0]["area"] == "Bury"
    assert not Observation.objects.exists()
    assert not ImportBatch.objects.exists()


def test_the_same_file_twice_changes_nothing_and_adds_no_batch(catalogue):
    run(GOOD)
    before = database_rows()

    again = run(GOOD)

    assert (again.plan.new, again.plan.revised, again.plan.unchanged) == (0, 0, 4)
    assert again.batch_change == "unchanged"
    assert database_rows() == before


def test_a_file_with_bad_rows_is_refused_naming_every_problem(catalogue):
    run(GOOD)
    before = database_rows()
    bad = template_csv(
        ("ASC-WL-01", BURY, "Mar-25", "60", ""),  # fine, but the file as a whole is refused
        ("ASC-WL-99", BURY, "Mar-25", "1", ""),
        ("ASC-WL-01", "Atlantis", "Mar-25", "1", ""),
        ("ASC-WL-01", BURY, "Marchish", "1", ""),
        ("ASC-WL-01", "E08000004", "Mar-25", "lots", ""),
        ("ASC-WL-01", BURY, "2025-03", "61", ""),  # the same month as row 2
        ("ASC-WL-02", BURY, "2024/25 Q4", "", ""),
    )

    with pytest.raises(ImportRefused) as refused:
        run(bad, name="bad.csv")

    problems = {(p.row, p.column): p.message for p in refused.value.problems}
    assert set(problems) == {
        (3, "measure_code"),
        (4, "area_code"),
        (5, "period"),
        (6, "value"),
        (7, "value"),
        (8, "value"),
    }
    assert "“ASC-WL-99” is not a measure" in problems[(3, "measure_code")]
    assert "“Atlantis” is not an area" in problems[(4, "area_code")]
    assert "“Marchish” is not a period" in problems[(5, "period")]
    assert "“lots” is not a number" in problems[(6, "value")]
    assert "same measure, area and period as row 2" in problems[(7, "value")]
    assert "The value is blank" in problems[(8, "value")]
    assert str(refused.value.problems[0]).startswith("Row 3, column “measure_code”")
    assert database_rows() == before


def test_missing_columns_are_named(catalogue):
    with pytest.raises(ImportRefused) as refused:
        run(csv_bytes([["measure_code", "area_code", "value"], ["ASC-WL-01", BURY, "1"]]))

    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "period")]


@pytest.mark.postgres
def test_bad_rows_leave_postgresql_unchanged(catalogue):
    run(GOOD)
    before = database_rows()
    bad = template_csv(
        *[("ASC-WL-01", BURY, f"{m}-24", "1", "") for m in ("Apr", "May")],
        ("ASC-WL-01", BURY, "Jun-24", "one", ""),
    )

    with pytest.raises(ImportRefused) as refused:
        run(bad, name="bad.csv")

    assert [(p.row, p.column) for p in refused.value.problems] == [(4, "value")]
    assert database_rows() == before


@pytest.mark.postgres
def test_postgresql_copies_new_values_in(catalogue):
    months = [
        (month, year) for year in (3, 4) for month in ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
    ]
    rows = [
        ("ASC-WL-01", BURY, f"{month}-2{year}", str(n), "a\ttab\\note" if n == 3 else "")
        for n, (month, year) in enumerate(months)
    ]
    outcome = run(template_csv(*rows))

    assert outcome.plan.new == 12
    assert Observation.objects.get(period_start=dt.date(2023, 4, 1)).value_note == "a\ttab\\note"


def test_a_revised_file_updates_only_what_changed_and_records_the_revision(catalogue):
    first = run(GOOD, name="q4.csv").batch
    revised = template_csv(
        ("ASC-WL-01", BURY, "Mar-25", "54", ""),
        ("ASC-WL-01", "E08000004", "Mar-25", "70", ""),  # revised
        ("ASC-WL-02", BURY, "2024/25 Q4", "26", ""),
        ("ASC-WL-02", "E08000004", "2024/25 Q4", "33", ""),  # published at last
        ("ASC-WL-02", BURY, "2024/25 Q3", "30", ""),  # new
    )

    outcome = run(revised, name="q4_revised.csv")

    assert (outcome.plan.new, outcome.plan.revised, outcome.plan.unchanged) == (1, 2, 2)
    assert {(s["area"], s["old"], s["value"]) for s in outcome.summary["samples"]["revised"]} == {
        ("Oldham", "72", "70"),
        ("Oldham", "", "33"),
    }
    oldham = Observation.objects.get(measure__code="ASC-WL-01", area__ons_code="E08000004")
    assert oldham.value == 70
    assert oldham.batch == outcome.batch
    assert oldham.revised_at is not None
    revision = ObservationRevision.objects.get(observation=oldham)
    assert (revision.previous_value, revision.previous_batch, revision.batch) == (
        72,
        first,
        outcome.batch,
    )
    unchanged = Observation.objects.get(measure__code="ASC-WL-01", area__ons_code=BURY)
    assert (unchanged.batch, unchanged.revised_at) == (first, None)


def test_rollback_restores_revised_values_and_deletes_created_ones(catalogue):
    run(GOOD, name="q4.csv")
    before = values()
    revised = template_csv(
        ("ASC-WL-01", "E08000004", "Mar-25", "70", ""),
        ("ASC-WL-02", BURY, "2024/25 Q3", "30", ""),
    )
    batch = run(revised, name="q4_revised.csv").batch

    result = observation_import_rollback(batch=batch)

    assert (result.restored, result.deleted) == (1, 1)
    assert values() == before
    oldham = Observation.objects.get(measure__code="ASC-WL-01", area__ons_code="E08000004")
    assert oldham.revised_at is None
    assert oldham.batch.file_name == "q4.csv"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert "Rolled back" in batch.notes
    assert not ObservationRevision.objects.exists()
    with pytest.raises(ImportRollbackRefused, match="already been rolled back"):
        observation_import_rollback(batch=batch)


def test_rollback_waits_for_later_imports_that_revised_the_same_values(catalogue):
    first = run(GOOD, name="q4.csv").batch
    run(template_csv(("ASC-WL-01", BURY, "Mar-25", "55", "")), name="later.csv")

    with pytest.raises(ImportRollbackRefused, match=r"later\.csv"):
        observation_import_rollback(batch=first)


def test_a_rolled_back_file_can_be_imported_again(catalogue):
    batch = run(GOOD).batch
    observation_import_rollback(batch=batch)

    again = run(GOOD)

    assert again.batch == batch
    assert again.plan.new == 4
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


def test_excel_files_import_like_csv(catalogue, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["measure_code", "area_code", "period", "value"])
    sheet.append(["ASC-WL-01", BURY, dt.date(2025, 3, 31), 54.0])
    sheet.append(["ASC-WL-02", BURY, "2024/25 Q4", 26.5])
    path = tmp_path / "values.xlsx"
    workbook.save(path)

    observations_import(file_name="values.xlsx", path=path, source="Tests")

    assert values() == {
        ("ASC-WL-01", BURY, "31 March 2025"): (Decimal("54"), ""),
        ("ASC-WL-02", BURY, "2024/25 Q4"): (Decimal("26.5"), ""),
    }


# --- Mapping: tables in no standard format -------------------------------------------------

WIDE = csv_bytes(
    [
        ["service_type", "Apr-24", "May-24", "Jun-24"],
        ["Waiting", "618", "639", "640"],
        ["Waiting again", "618", "639", "640"],
        ["Median", "20", "", "22"],
    ]
)
WIDE_MAPPING = {
    "layout": "wide",
    "columns_are": "periods",
    "area": {"fixed": BURY},
    "measure": {
        "column": "service_type",
        "labels": {"Waiting": "ASC-WL-01", "Waiting again": "", "Median": "ASC-WL-02"},
    },
    "cell_notes": [{"area": BURY, "measure": "ASC-WL-02", "period": "Jun-24", "note": "Odd"}],
}


def test_a_wide_table_with_periods_as_columns_imports_through_a_mapping(catalogue):
    outcome = run(WIDE, file_format="mapped", mapping=WIDE_MAPPING)

    assert values() == {
        ("ASC-WL-01", BURY, "April 2024"): (Decimal("618"), ""),
        ("ASC-WL-01", BURY, "May 2024"): (Decimal("639"), ""),
        ("ASC-WL-01", BURY, "June 2024"): (Decimal("640"), ""),
        ("ASC-WL-02", BURY, "April 2024"): (Decimal("20"), ""),
        ("ASC-WL-02", BURY, "June 2024"): (Decimal("22"), "Odd"),
    }
    skipped = {entry["reason"]: entry["rows"] for entry in outcome.summary["skipped"]}
    assert skipped == {
        "“Waiting again” in column “service_type” (not imported)": 1,
        "Blank cells": 1,
    }
    assert '"columns_are": "periods"' in outcome.batch.notes


def test_a_saved_mapping_profile_is_reused_next_quarter(catalogue):
    profile, change = import_mapping_profile_save(
        name="Monthly services", mapping=WIDE_MAPPING, by=None
    )
    run(WIDE, file_format="mapped", mapping_profile=profile)
    next_quarter = csv_bytes(
        [["service_type", "Jul-24", "Aug-24"], ["Waiting", "650", "655"], ["Median", "21", "19"]]
    )

    outcome = run(next_quarter, name="q2.csv", file_format="mapped", mapping_profile=profile)

    assert change == "created"
    assert outcome.plan.new == 4
    assert values()[("ASC-WL-01", BURY, "August 2024")] == (Decimal("655"), "")
    assert "Mapping profile: Monthly services." in outcome.batch.notes


def test_a_long_table_maps_columns_labels_and_a_fixed_area(catalogue):
    table = csv_bytes(
        [
            ["Indicator", "When", "Figure", "Comment"],
            ["Number of people waiting", "Q", "54", ""],
            ["Median days waiting", "A", "26", "Provisional"],
        ]
    )
    mapping = {
        "layout": "long",
        "area": {"fixed": BURY},
        "measure": {"column": "Indicator"},
        "period": {"column": "When", "labels": {"Q": "2024/25 Q4", "A": "2024/25"}},
        "value": {"column": "Figure"},
        "value_note": {"column": "Comment"},
    }

    run(table, file_format="mapped", mapping=mapping)

    assert values() == {
        ("ASC-WL-01", BURY, "2024/25 Q4"): (Decimal("54"), ""),
        ("ASC-WL-02", BURY, "2024/25"): (Decimal("26"), "Provisional"),
    }


def test_a_mapping_naming_missing_columns_is_refused(catalogue):
    mapping = {**WIDE_MAPPING, "measure": {"column": "Service"}}

    with pytest.raises(ImportRefused) as refused:
        run(WIDE, file_format="mapped", mapping=mapping)

    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "Service")]


def test_a_wide_table_with_a_bad_period_heading_is_refused(catalogue):
    table = csv_bytes([["service_type", "Apr-24", "Someday"], ["Waiting", "1", "2"]])
    mapping = {**WIDE_MAPPING, "value_columns": ["Apr-24", "Someday"]}

    with pytest.raises(ImportRefused) as refused:
        run(table, file_format="mapped", mapping=mapping)

    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "Someday")]


# --- Fingertips --------------------------------------------------------------------------

FINGERTIPS_HEADINGS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator", "Value note",
    "Recent Trend", "Compared to England value or percentiles",
]  # fmt: skip


def fingertips_row(area, sex="Persons", age="18+ yrs", category_type="", value="12.5",
                   period="2021 - 23", note=""):  # fmt: skip
    return ["93088", "Emergency admissions", "E12000002", "North West", area, "Bury",
            "Counties & UAs", sex, age, category_type, "", period, value, "10.1", "14.9", "120",
            "960", note, "", ""]  # fmt: skip


def test_fingertips_export_keeps_persons_without_a_category(catalogue):
    SourceCodeFactory(measure=catalogue["median"], scheme="fingertips", code="93088")
    content = csv_bytes(
        [
            FINGERTIPS_HEADINGS,
            fingertips_row(BURY),
            fingertips_row(BURY, sex="Male", value="14"),
            fingertips_row(BURY, category_type="County & UA deprivation deciles", value="9"),
            fingertips_row("E08000004", value="", note="Value suppressed"),
            fingertips_row(BURY, period="2022/23", value="11"),
        ]
    )

    outcome = run(content, name="fingertips.csv", file_format="fingertips")

    observation = Observation.objects.get(area__ons_code=BURY, period_type="multi_year")
    assert observation.value == Decimal("12.5")
    assert (observation.lower_ci, observation.upper_ci) == (Decimal("10.1"), Decimal("14.9"))
    assert (observation.numerator, observation.denominator) == (120, 960)
    assert observation.period == Period(dt.date(2021, 1, 1), dt.date(2023, 12, 31), "multi_year")
    assert values()[("ASC-WL-02", "E08000004", "2021 to 2023")] == (None, "Value suppressed")
    assert values()[("ASC-WL-02", BURY, "2022/23")] == (Decimal("11"), "")
    assert sum(entry["rows"] for entry in outcome.summary["skipped"]) == 2


def test_fingertips_indicators_with_several_ages_need_a_choice(catalogue):
    SourceCodeFactory(measure=catalogue["median"], scheme="fingertips", code="93088")
    content = csv_bytes(
        [
            FINGERTIPS_HEADINGS,
            fingertips_row(BURY, age="18-64 yrs"),
            fingertips_row(BURY, age="65+ yrs"),
        ]
    )

    with pytest.raises(ImportRefused, match="problem") as refused:
        run(content, name="fingertips.csv", file_format="fingertips")
    assert "several age groups" in refused.value.problems[0].message

    run(content, name="fingertips.csv", file_format="fingertips", mapping={"age": "65+ yrs"})
    assert Observation.objects.get().value == Decimal("12.5")


def test_unknown_fingertips_indicators_are_problems(catalogue):
    content = csv_bytes([FINGERTIPS_HEADINGS, fingertips_row(BURY)])

    with pytest.raises(ImportRefused) as refused:
        run(content, name="fingertips.csv", file_format="fingertips")

    problem = refused.value.problems[0]
    assert (problem.row, problem.column) == (2, "Indicator ID")
    assert "Fingertips indicator 93088 (“Emergency admissions”) is not linked" in problem.message


def test_the_format_is_worked_out_from_the_headings(catalogue):
    outcome = observations_import(file_name="values.csv", content=GOOD, source="Tests")

    assert outcome.file_format == "template"
    assert Observation.objects.count() == 4


def test_values_round_to_the_stored_precision_so_re_imports_stay_unchanged(catalogue):
    content = template_csv(("ASC-WL-01", BURY, "Mar-25", "0.12345678", ""))
    run(content)

    again = run(content)

    assert again.plan.unchanged == 1
    assert Observation.objects.get().value == Decimal("0.123457")


def test_month_periods_are_stored_as_month_start_and_end(catalogue):
    run(template_csv(("ASC-WL-01", BURY, "Feb-24", "1", "")))

    assert Observation.objects.get().period == Period.for_month(Month(2024, 2))
    assert Quarter.containing(Observation.objects.get().period_end) == Quarter(2023, 4)


def test_missing_value_markers_are_read_as_missing_with_a_note(catalogue):
    content = template_csv(
        ("ASC-WL-01", BURY, "Mar-25", "NA", ""),
        ("ASC-WL-01", "E08000004", "Mar-25", "c", ""),
        ("ASC-WL-02", BURY, "2024/25 Q4", "..", "Awaiting NHS England"),
    )

    run(content)

    assert values() == {
        ("ASC-WL-01", BURY, "March 2025"): (None, "Not available (NA)"),
        ("ASC-WL-01", "E08000004", "March 2025"): (None, "Suppressed (c)"),
        ("ASC-WL-02", BURY, "2024/25 Q4"): (None, "Awaiting NHS England"),
    }


def test_a_mapping_names_its_own_missing_value_markers(catalogue):
    table = csv_bytes([["area", "measure", "period", "value"], [BURY, "ASC-WL-01", "Mar-25", "*"]])
    mapping = {
        "layout": "long",
        "area": {"column": "area"},
        "measure": {"column": "measure"},
        "period": {"column": "period"},
        "value": {"column": "value"},
    }

    with pytest.raises(ImportRefused):
        run(table, file_format="mapped", mapping={**mapping, "missing_values": ["NA"]})
    run(table, file_format="mapped", mapping={**mapping, "missing_values": ["*"]})

    assert values() == {("ASC-WL-01", BURY, "March 2025"): (None, "Not available (*)")}


def test_a_note_on_a_value_is_kept_when_the_value_is_imported_again_unchanged(catalogue):
    run(template_csv(("ASC-WL-01", BURY, "Mar-25", "341", "Glitch: see the service note")))

    again = run(template_csv(("ASC-WL-01", BURY, "Mar-25", "341", "")), name="again.csv")

    assert (again.plan.unchanged, again.plan.revised) == (1, 0)
    assert values()[("ASC-WL-01", BURY, "March 2025")] == (
        Decimal("341"),
        "Glitch: see the service note",
    )


def test_a_check_counts_revisions_that_move_a_value_by_more_than_half(catalogue):
    run(
        template_csv(
            ("ASC-WL-01", BURY, "Mar-25", "985.2", ""),
            ("ASC-WL-01", "E08000004", "Mar-25", "72", ""),
        )
    )

    check = run(
        template_csv(
            ("ASC-WL-01", BURY, "Mar-25", "79.9", ""),
            ("ASC-WL-01", "E08000004", "Mar-25", "80", ""),
        ),
        name="discharges.csv",
        dry_run=True,
    )

    assert (check.summary["revised"], check.summary["large_changes"]) == (2, 1)
    assert check.summary["review_samples"][0]["old"] == "985.2"
    assert check.summary["needs_explicit_confirmation"] is False


def test_a_lower_ranked_source_revising_a_value_needs_confirmation(catalogue):
    outcome = run(GOOD)
    ImportBatch.objects.filter(pk=outcome.batch.pk).update(file_format="ascof")

    revising = template_csv(("ASC-WL-01", BURY, "Mar-25", "55", ""))
    check = run(revising, name="secondary.csv", dry_run=True)
    assert (check.summary["outranked"], check.summary["needs_explicit_confirmation"]) == (1, True)
    with pytest.raises(ImportRefused) as refused:
        run(revising, name="secondary.csv", overrides_confirmed=False)
    assert "higher-ranked source" in refused.value.problems[0].message

    run(revising, name="secondary.csv", overrides_confirmed=True)
    assert values()[("ASC-WL-01", BURY, "March 2025")] == (Decimal("55"), "")


def test_a_file_imported_again_is_compared_value_by_value_with_what_is_held(catalogue):
    """The comparison with the values held (on PostgreSQL read as COPY's text): values written
    differently but equal, notes with tabs and backslashes, and extras are unchanged; a
    different value, note or extra is a revision."""
    headings = ["measure_code", "area_code", "period", "value", "value_note", "numerator"]

    def table(rows: list[list[str]]) -> bytes:
        return csv_bytes([headings, *[[*row, *[""] * (6 - len(row))] for row in rows]])

    first = [
        ["ASC-WL-01", BURY, "Jan-25", "12.30", ""],
        ["ASC-WL-01", BURY, "Feb-25", "4.0", "Tab\there, a backslash \\N and a\nnew line"],
        ["ASC-WL-01", BURY, "Mar-25", "NA", ""],
        ["ASC-WL-02", BURY, "Jan-25", "7", "", "3"],
        ["ASC-WL-02", BURY, "Feb-25", "0.0", ""],
        ["ASC-WL-02", BURY, "Mar-25", "100", "Plain"],
    ]
    run(table(first))
    same = [
        ["ASC-WL-01", BURY, "Jan-25", "12.3", ""],
        ["ASC-WL-01", BURY, "Feb-25", "4", "Tab\there, a backslash \\N and a\nnew line"],
        ["ASC-WL-01", BURY, "Mar-25", "na", ""],
        ["ASC-WL-02", BURY, "Jan-25", "7.000", "", "3.0"],
        ["ASC-WL-02", BURY, "Feb-25", "0", ""],
        ["ASC-WL-02", BURY, "Mar-25", "100", ""],  # given again without its note: kept
    ]

    again = run(table(same), name="b.csv")

    assert (again.plan.unchanged, again.plan.revised, again.plan.new) == (6, 0, 0)
    changed = [
        ["ASC-WL-01", BURY, "Jan-25", "12.31", ""],
        ["ASC-WL-01", BURY, "Feb-25", "4", "Tab\there, a backslash \\n and a\nnew line"],
        ["ASC-WL-01", BURY, "Mar-25", "1", ""],
        ["ASC-WL-02", BURY, "Jan-25", "7", "", "4"],
        ["ASC-WL-02", BURY, "Feb-25", "0", "A note now"],
        ["ASC-WL-02", BURY, "Mar-25", "100", "Plain"],
        ["ASC-WL-02", BURY, "Apr-25", "5", ""],
    ]

    revising = run(table(changed), name="c.csv")

    assert (revising.plan.unchanged, revising.plan.revised, revising.plan.new) == (1, 5, 1)
    held = values()
    assert held[("ASC-WL-01", BURY, "February 2025")] == (
        Decimal("4"),
        "Tab\there, a backslash \\n and a\nnew line",
    )
    previous = ObservationRevision.objects.get(
        observation__measure__code="ASC-WL-01", observation__period_start=dt.date(2025, 2, 1)
    )
    assert previous.previous_value_note == "Tab\there, a backslash \\N and a\nnew line"
    assert ObservationRevision.objects.get(
        observation__measure__code="ASC-WL-02", observation__period_start=dt.date(2025, 1, 1)
    ).previous_numerator == Decimal("3")
    assert {sample["value"] for sample in revising.summary["samples"]["revised"]} == {
        "12.31", "4", "1", "7", "0",
    }  # fmt: skip


def test_digits_of_other_scripts_are_stored_as_the_number_they_are(catalogue):
    run(template_csv(("ASC-WL-01", BURY, "Mar-25", "٣٤.٥", "")))

    assert values()[("ASC-WL-01", BURY, "March 2025")] == (Decimal("34.5"), "")


def test_a_problem_met_again_is_named_on_every_row_it_is_on(catalogue):
    """Areas, measures and periods are resolved once per spelling: a bad one met again, and a
    value given twice in the same spelling, are still named on each row."""
    bad = template_csv(
        ("ASC-WL-01", BURY, "Mar-25", "60", ""),
        ("ASC-WL-01", "Atlantis", "Mar-25", "1", ""),
        ("ASC-WL-01", "Atlantis", "Apr-25", "1", ""),
        ("ASC-WL-99", BURY, "Apr-25", "1", ""),
        ("ASC-WL-99", BURY, "May-25", "1", ""),
        ("ASC-WL-01", BURY, "Marchish", "1", ""),
        ("ASC-WL-02", BURY, "Marchish", "1", ""),
        ("ASC-WL-01", BURY, "Mar-25", "61", ""),
    )

    with pytest.raises(ImportRefused) as refused:
        run(bad)

    assert [(p.row, p.column) for p in refused.value.problems] == [
        (3, "area_code"),
        (4, "area_code"),
        (5, "measure_code"),
        (6, "measure_code"),
        (7, "period"),
        (8, "period"),
        (9, "value"),
    ]
    assert "same measure, area and period as row 2" in refused.value.problems[-1].message


# A Fingertips-derived table, as analysts meet them (issue 11): each value says its unit.
FINGERTIPS_SHAPED = csv_bytes(
    [
        ["area_code", "area_name", "period", "indicator", "measure", "unit", "value"],
        [BURY, "Bury", "2023/24", "ASC-WL-02", "Median wait", "days", "41"],
        ["E08000004", "Oldham", "2023/24", "ASC-WL-02", "Median wait", "%", "38.5"],
        [BURY, "Bury", "2023/24", "ASC-WL-01", "People waiting", "Number", "310"],
        ["E08000004", "Oldham", "2023/24", "ASC-WL-01", "People waiting", "per 1,000", "2.4"],
        [BURY, "Bury", "2024/25", "ASC-WL-02", "Median wait", "%", "40.1"],
    ]
)
UNIT_MAPPING = {
    "layout": "long",
    "area": {"column": "area_code"},
    "measure": {"column": "indicator"},
    "period": {"column": "period"},
    "value": {"column": "value"},
    "unit": {"column": "unit"},
}


def test_a_unit_column_finds_values_in_another_unit_than_their_measure_s(catalogue):
    check = run(
        FINGERTIPS_SHAPED, name="fingertips.csv", file_format="mapped", mapping=UNIT_MAPPING,
        dry_run=True,
    )  # fmt: skip

    assert check.summary["unit_mismatches"] == [
        {
            "measure": "ASC-WL-02",
            "measure_name": "Median days waiting",
            "file_unit": "%",
            "measure_unit": "Days",
            "rows": 2,
            "first_row": 3,
        },
        {
            "measure": "ASC-WL-01",
            "measure_name": "Number of people waiting",
            "file_unit": "per 1,000",
            "measure_unit": "Number",
            "rows": 1,
            "first_row": 5,
        },
    ]
    assert check.summary["unit_mismatched"] == 3
    assert check.summary["needs_explicit_confirmation"] is True


def test_values_in_another_unit_are_written_only_when_confirmed(catalogue):
    with pytest.raises(ImportRefused) as refused:
        run(
            FINGERTIPS_SHAPED, file_format="mapped", mapping=UNIT_MAPPING, overrides_confirmed=False
        )
    assert "3 values in another unit than their measure's" in refused.value.problems[0].message
    assert not Observation.objects.exists()

    run(FINGERTIPS_SHAPED, file_format="mapped", mapping=UNIT_MAPPING, overrides_confirmed=True)

    assert Observation.objects.count() == 5


def test_a_unit_column_that_agrees_needs_no_confirmation(catalogue):
    headings = ["measure_code", "area_code", "period", "value", "unit"]
    agreeing = csv_bytes([headings, ["ASC-WL-02", BURY, "Mar-25", "41", "Days"]])
    disagreeing = csv_bytes([headings, ["ASC-WL-02", BURY, "Mar-25", "41", "weeks"]])

    assert run(agreeing, dry_run=True).summary["unit_mismatches"] == []
    mismatches = run(disagreeing, dry_run=True).summary["unit_mismatches"]
    assert [(m["measure"], m["file_unit"], m["measure_unit"]) for m in mismatches] == [
        ("ASC-WL-02", "weeks", "Days")
    ]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("%", "percentage"),
        ("  Per cent ", "percentage"),
        ("Rate per 100,000", "rate_per_100k"),
        ("per 100000", "rate_per_100k"),
        ("Number", "count"),
        ("£", "pounds"),
        ("days", "days"),
        ("per 1,000", None),
        ("ratio", None),
    ],
)
def test_unit_texts_are_read_as_the_units_they_mean(text, unit):
    from performance.importing.checking import unit_read

    assert unit_read(text) == unit
