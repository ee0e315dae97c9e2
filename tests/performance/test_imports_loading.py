"""The set-wise load of checked values into PostgreSQL (performance.importing.loading): what it
writes, what it refuses (as row problems, never a database error) and that it leaves nothing
behind when it refuses. Both ways of checking the foreign keys are exercised: with the per-row
triggers off (the parents locked once each instead) and with them on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from bury_hc.imports import ImportRefused
from bury_hc.periods import Month
from performance.importing.loading import observations_load
from performance.models import Observation, ObservationRevision
from performance.services import observation_import_rollback, observations_import
from tests.factories import ImportBatchFactory, ObservationFactory
from tests.factories.performance import AreaFactory, MeasureFactory, template_csv

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
BURY = "E08000002"
BOTH_WAYS = pytest.mark.parametrize("skip_row_triggers", [True, False], ids=["locks", "triggers"])


@pytest.fixture
def world():
    return {
        "bury": AreaFactory(ons_code=BURY, name="Bury"),
        "oldham": AreaFactory(ons_code="E08000004", name="Oldham"),
        "waiting": MeasureFactory(code="ASC-WL-01", name="Number of people waiting"),
        "batch": ImportBatchFactory(sha256="1" * 64, file_name="first.csv"),
    }


def new_row(row, measure, area, month: Month, value, note="", extras=(None,) * 4):
    return (row, measure.id, area.id, "month", month.start, month.end, value, note, *extras)


def load(batch, new=(), revised=(), **kwargs):
    return observations_load(
        batch_id=batch.id, new=new, revised=revised, revised_at=timezone.now(), **kwargs
    )


def replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def row_versions() -> dict[int, str]:
    """Each value's row version: unchanged when nothing wrote the row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text FROM performance_observation")
        return dict(cursor.fetchall())


@BOTH_WAYS
def test_new_values_are_written_under_the_batch(world, skip_row_triggers):
    april = Month(2025, 4)
    note = "line one\nline two\twith a tab and a \\ backslash"

    waiting, bury = world["waiting"], world["bury"]
    rows = [
        new_row(2, waiting, bury, april, "54", note),
        new_row(3, waiting, world["oldham"], april, None, "Not published"),
        new_row(4, waiting, bury, Month(2025, 5), "1.5", "", ("3", "2", None, None)),
    ]

    result = load(world["batch"], new=rows, skip_row_triggers=skip_row_triggers)

    assert (result.created, result.revised, result.row_triggers_skipped) == (
        3,
        0,
        skip_row_triggers,
    )
    stored = {
        (o.area.ons_code, o.period_start): (o.value, o.value_note, o.numerator, o.batch_id)
        for o in Observation.objects.select_related("area")
    }
    assert stored == {
        (BURY, april.start): (Decimal("54"), note, None, world["batch"].id),
        ("E08000004", april.start): (None, "Not published", None, world["batch"].id),
        (BURY, dt.date(2025, 5, 1)): (Decimal("1.5"), "", Decimal("3"), world["batch"].id),
    }
    assert replication_role() == "origin"


@BOTH_WAYS
def test_revisions_keep_the_old_values_read_from_the_rows_they_replace(world, skip_row_triggers):
    old = ObservationFactory(
        measure=world["waiting"],
        area=world["bury"],
        period_type="month",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2025, 4, 30),
        value=Decimal("54"),
        value_note="provisional",
        numerator=Decimal("5"),
        batch=world["batch"],
    )
    later = ImportBatchFactory(sha256="2" * 64, file_name="revised.csv")

    result = load(
        later,
        revised=[(7, old.id, dt.date(2025, 4, 30), "55", "", None, None, None, None)],
        skip_row_triggers=skip_row_triggers,
    )

    assert result.revised == 1
    old.refresh_from_db()
    assert (old.value, old.value_note, old.numerator, old.batch) == (Decimal(55), "", None, later)
    assert old.revised_at is not None
    revision = ObservationRevision.objects.get()
    assert (
        revision.observation,
        revision.batch,
        revision.previous_value,
        revision.previous_value_note,
        revision.previous_numerator,
        revision.previous_batch,
    ) == (old, later, Decimal(54), "provisional", Decimal(5), world["batch"])


@BOTH_WAYS
def test_a_measure_deleted_meanwhile_is_a_problem_on_its_rows_not_a_database_error(
    world, skip_row_triggers
):
    gone = MeasureFactory(code="GONE")
    gone_id = gone.id
    gone.delete()
    rows = [
        new_row(2, world["waiting"], world["bury"], Month(2025, 4), "1"),
        (3, gone_id, world["bury"].id, "month", dt.date(2025, 4, 1), dt.date(2025, 4, 30), "2",
         "", None, None, None, None),
    ]  # fmt: skip

    with pytest.raises(ImportRefused) as refused:
        load(world["batch"], new=rows, skip_row_triggers=skip_row_triggers)

    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "measure")]
    assert "deleted while the file was being imported" in refused.value.problems[0].message
    assert not Observation.objects.exists()
    assert replication_role() == "origin"
    with connection.cursor() as cursor:  # the staging tables went with the refused load
        cursor.execute("SELECT to_regclass('observation_stage_new')")
        assert cursor.fetchone()[0] is None


def test_an_area_deleted_meanwhile_is_a_problem_on_its_rows(world):
    gone = AreaFactory(ons_code="E08000099", name="Gone")
    gone_id = gone.id
    gone.delete()
    row = (5, world["waiting"].id, gone_id, "month", dt.date(2025, 4, 1), dt.date(2025, 4, 30),
           "2", "", None, None, None, None)  # fmt: skip

    with pytest.raises(ImportRefused) as refused:
        load(world["batch"], new=[row])

    assert [(p.row, p.column) for p in refused.value.problems] == [(5, "area")]


@BOTH_WAYS
def test_a_value_stored_meanwhile_is_a_problem_on_its_row(world, skip_row_triggers):
    april = Month(2025, 4)
    ObservationFactory(
        measure=world["waiting"],
        area=world["bury"],
        period_type="month",
        period_start=april.start,
        period_end=april.end,
        batch=ImportBatchFactory(sha256="3" * 64),
    )
    rows = [
        new_row(2, world["waiting"], world["oldham"], april, "1"),
        new_row(3, world["waiting"], world["bury"], april, "2"),
    ]

    with pytest.raises(ImportRefused) as refused:
        load(world["batch"], new=rows, skip_row_triggers=skip_row_triggers)

    assert [p.row for p in refused.value.problems] == [3]
    assert "stored by someone else" in refused.value.problems[0].message
    assert Observation.objects.count() == 1
    assert replication_role() == "origin"


def test_a_value_deleted_before_its_revision_is_a_problem_on_its_row(world):
    with pytest.raises(ImportRefused) as refused:
        load(world["batch"], revised=[(9, 999_999, dt.date(2025, 4, 30), "1", "", *[None] * 4)])

    assert [p.row for p in refused.value.problems] == [9]
    assert not ObservationRevision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_load_refuses_to_run_outside_a_transaction(world):
    with pytest.raises(RuntimeError, match="inside a transaction"):
        load(world["batch"], new=[new_row(2, world["waiting"], world["bury"], Month(2025, 4), "1")])

    assert not Observation.objects.exists()


# --- Through the import service, on PostgreSQL -----------------------------------------------

FIRST = template_csv(
    ("ASC-WL-01", BURY, "Mar-25", "54", ""),
    ("ASC-WL-01", "E08000004", "Mar-25", "72", "caveat"),
    ("ASC-WL-01", BURY, "Feb-25", "50", ""),
)


def run(content: bytes, name: str):
    return observations_import(file_name=name, content=content, source="Tests")


def test_unchanged_values_are_not_written_at_all(world):
    run(FIRST, "first.csv")
    before = row_versions()

    again = run(FIRST, "first.csv")
    revised = run(
        template_csv(
            ("ASC-WL-01", BURY, "Mar-25", "54", ""),  # unchanged
            ("ASC-WL-01", "E08000004", "Mar-25", "70", "caveat"),  # revised
            ("ASC-WL-01", BURY, "Feb-25", "50", ""),  # unchanged
        ),
        "revised.csv",
    )

    assert (again.plan.new, again.plan.revised, again.plan.unchanged) == (0, 0, 3)
    assert (revised.plan.new, revised.plan.revised, revised.plan.unchanged) == (0, 1, 2)
    after = row_versions()
    oldham = Observation.objects.get(area__ons_code="E08000004").id
    assert {i for i in before if before[i] != after[i]} == {oldham}
    revision = ObservationRevision.objects.get()
    assert (revision.previous_value, revision.previous_value_note) == (Decimal(72), "caveat")


def test_rolling_back_a_set_wise_load_restores_what_it_replaced(world):
    run(FIRST, "first.csv")
    before = {(o.id, o.value, o.value_note, o.batch_id) for o in Observation.objects.all()}
    batch = run(
        template_csv(
            ("ASC-WL-01", "E08000004", "Mar-25", "70", ""),
            ("ASC-WL-01", BURY, "Jan-25", "49", ""),
        ),
        "revised.csv",
    ).batch

    result = observation_import_rollback(batch=batch)

    assert (result.restored, result.deleted) == (1, 1)
    assert {(o.id, o.value, o.value_note, o.batch_id) for o in Observation.objects.all()} == before
    assert not ObservationRevision.objects.exists()
