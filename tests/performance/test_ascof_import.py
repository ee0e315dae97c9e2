"""The real ASCOF trend file (NHS England, 2017-18 to 2023-24) imports, and again changes
nothing. Skipped when /work/shared/data/ascof is absent (CI has it); never copied into the repo."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bury_hc.imports import ImportRefused
from bury_hc.periods import FinancialYear, Period
from performance.importing.catalogue import ascof_catalogue, wording_normalise
from performance.models import Area, Measure, Observation, SourceCode
from performance.services import observations_import
from tests.factories.performance import AreaFactory, csv_bytes

BURY = "E08000002"
TREND = Path("/work/shared/data/ascof/trend_data.csv")
needs_file = pytest.mark.skipif(
    not TREND.is_file(), reason=f"The ASCOF trend file is not here ({TREND}); CI has it."
)
pytestmark = pytest.mark.django_db


def bury(code: str, year: int) -> Observation:
    period = Period.for_financial_year(FinancialYear(year))
    return Observation.objects.get(
        measure__code=code, area__ons_code="E08000002", period_start=period.start,
        period_type=period.type.value,
    )  # fmt: skip


@needs_file
def test_the_real_ascof_file_imports_after_a_dry_run_and_again_changes_nothing():
    AreaFactory(ons_code="E10000006", name="Cumbria", is_active=False)
    AreaFactory(ons_code="E12000002", name="North West", kind="region")

    plan = observations_import(file_name=TREND.name, path=TREND, file_format="ascof", dry_run=True)

    summary = plan.summary
    assert not Observation.objects.exists()
    assert summary["rows_read"] + sum(s["rows"] for s in summary["skipped"]) == 26_498
    assert summary["skipped"] == [
        {"reason": "Averages for a type of council (no ONS code)", "rows": 847}
    ]
    assert summary["new"] == summary["values"] == 25_651
    assert len(summary["measures_to_create"]) == 29
    registering = {a["ons_code"]: a for a in summary["areas_to_register"]}
    assert summary["areas_to_register_count"] == 169  # all but Cumbria and the North West
    assert registering["E06000063"]["name"] == "Cumberland"
    assert "E10000006" not in registering
    assert any("1C1B" in warning for warning in summary["warnings"])

    outcome = observations_import(file_name=TREND.name, path=TREND)

    assert outcome.plan.new == 25_651
    assert Observation.objects.count() == 25_651
    # 3A meant "overall satisfaction" to 2022-23 and "control over daily life" from 2023-24.
    satisfaction, control = (
        Measure.objects.get(code="ASCOF-1D"),
        Measure.objects.get(code="ASCOF-3A"),
    )
    assert Observation.objects.filter(measure=satisfaction, period_start__year=2023).exists()
    assert bury("ASCOF-3A", 2017).measure == control
    assert SourceCode.objects.filter(scheme="ascof", code="3A").count() == 2
    # Cumbria keeps its values to 2022-23; Cumberland and Westmorland and Furness from 2023-24.
    cumbria = Observation.objects.filter(area__ons_code="E10000006")
    assert {o.period_start.year for o in cumbria} == set(range(2017, 2023))
    assert {
        o.period_start.year for o in Observation.objects.filter(area__ons_code="E06000064")
    } == {2023}
    # Region names spelled two ways are one area, found by ONS code.
    yorkshire = Area.objects.get(ons_code="E12000003")
    assert {yorkshire.name, yorkshire.alternative_names} == {
        "Yorkshire and The Humber",
        "Yorkshire and the Humber",
    } or yorkshire.alternative_names
    assert Measure.objects.get(code="ASCOF-2B").polarity == "lower"
    assert Measure.objects.get(code="ASCOF-1B").decimal_places == 3

    again = observations_import(file_name=TREND.name, path=TREND)

    assert (again.plan.new, again.plan.revised, again.plan.unchanged) == (0, 0, 25_651)
    assert again.batch == outcome.batch


SATISFACTION = "Overall satisfaction of people who use services with their care and support"
CONTROL = "Proportion of people who use services who have control over their daily life"
ASCOF_HEADINGS = [
    "Year", "Geographical Description", "ONS Code", "Measure Group",
    "Measure Group Description", "Measure_Value", "Geographical Level",
    "Disaggregation Level", "Measure Type",
]  # fmt: skip


def test_ascof_codes_are_read_by_year_and_unknown_ones_are_problems():
    AreaFactory(ons_code="E08000002", name="Bury")
    content = csv_bytes(
        [
            ASCOF_HEADINGS,
            ["2022-23", "Bury", BURY, "3A", SATISFACTION, "60.1", "Council", "Total", "Outcome"],
            ["2023-24", "Bury", "E08000002", "3A", CONTROL, "77.0", "Council", "", ""],
            ["2023-24", "Bury", "E08000002", "9Z", "Something new", "1", "Council", "", ""],
            ["2023-24", "Metropolitan Districts", "-", "3A", "", "70", "Council type", "", ""],
            ["2023-24", "Nowhere", "X1", "1A", "", "19", "Council", "", ""],
        ]
    )  # fmt: skip

    with pytest.raises(ImportRefused) as refused:
        observations_import(file_name="ascof.csv", content=content, file_format="ascof")

    problems = {(p.row, p.column): p.message for p in refused.value.problems}
    assert set(problems) == {(4, "Measure Group"), (6, "ONS Code")}
    assert (
        "ASCOF measure 9Z in 2023/24 (“Something new”) is not in the ASCOF catalogue"
        in (problems[(4, "Measure Group")])
    )


def test_ascof_reused_codes_go_to_the_right_measure():
    AreaFactory(ons_code="E08000002", name="Bury")
    content = csv_bytes(
        [
            ASCOF_HEADINGS,
            ["2022-23", "Bury", BURY, "3A", SATISFACTION, "60.1", "Council", "Total", "Outcome"],
            ["2023-24", "Bury", "E08000002", "3A", CONTROL, "77.0", "Council", "", ""],
            ["2023-24", "Bury", "E08000002", "1D", SATISFACTION, "61.5", "Council", "", ""],
        ]
    )  # fmt: skip

    outcome = observations_import(file_name="ascof.csv", content=content, file_format="ascof")

    assert sorted(outcome.created_measures) == ["ASCOF-1D", "ASCOF-3A"]
    assert bury("ASCOF-1D", 2022).value == Decimal("60.1")
    assert bury("ASCOF-1D", 2023).value == Decimal("61.5")
    assert bury("ASCOF-3A", 2023).value == Decimal("77.0")
    assert Measure.objects.get(code="ASCOF-3A").report_section == "outcomes"


def test_the_ascof_catalogue_knows_every_wording_once_normalised():
    catalogue = ascof_catalogue()

    assert wording_normalise("Adjusted Social care-related quality of life \x96 impact") == (
        wording_normalise("Adjusted Social care-related quality of life – impact")
    )
    for measure in catalogue.measures.values():
        years = [(s.first_year or 0, s.last_year or 9999) for s in measure.source_codes]
        assert years == sorted(years), measure.code
    codes_2023 = [
        s.code for m in catalogue.measures.values() for s in m.source_codes if s.covers(2023)
    ]
    assert len(codes_2023) == len(set(codes_2023)) == 22
