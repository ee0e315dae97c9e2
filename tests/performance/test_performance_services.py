"""Performance services: import batches are recorded once per file, and observations are
revised (with the old value kept) only when their value changes."""

from decimal import Decimal

import pytest

from bury_hc.imports import import_batch_record
from bury_hc.models import ImportBatch
from performance.models import DashboardSnapshot, Observation, ObservationRevision
from performance.services import observations_import
from tests.factories.performance import AreaFactory, MeasureFactory, template_csv


def record_batch(content: bytes) -> ImportBatch:
    batch, _ = import_batch_record(
        kind="observations",
        file_name="waiting.csv",
        content=content,
        file_format="test",
        source="Test source",
    )
    return batch


@pytest.mark.django_db
def test_import_batch_record_returns_the_first_batch_for_the_same_bytes():
    first = record_batch(b"a,b\n1,2\n")

    again, change = import_batch_record(
        kind="observations",
        file_name="waiting.csv",
        content=b"a,b\n1,2\n",
        file_format="test",
        source="Test source",
    )

    assert (again, change) == (first, "unchanged")
    assert record_batch(b"a,b\n1,3\n") != first


@pytest.mark.django_db
def test_observations_import_keeps_an_unchanged_value_and_revises_a_changed_one():
    measure, area = MeasureFactory(code="ASC-WL-01"), AreaFactory(ons_code="E08000002")

    def import_value(value: str, name: str):
        return observations_import(
            file_name=name,
            content=template_csv(("ASC-WL-01", "E08000002", "Mar-25", value, "")),
            file_format="template",
            source="Test source",
        )

    first = import_value("54", "first.csv")
    observation = Observation.objects.get(measure=measure, area=area)
    assert (first.plan.new, observation.value, observation.batch) == (1, Decimal("54"), first.batch)

    again = import_value("54.0", "again.csv")
    observation.refresh_from_db()
    assert again.plan.unchanged == 1
    assert observation.batch == first.batch
    assert observation.revised_at is None

    revised = import_value("55", "revised.csv")
    observation.refresh_from_db()
    assert revised.plan.revised == 1
    assert observation.value == Decimal("55")
    assert observation.batch == revised.batch
    assert observation.revised_at is not None
    revision = ObservationRevision.objects.get(observation=observation)
    assert (revision.previous_value, revision.previous_batch) == (Decimal("54"), first.batch)


@pytest.mark.django_db
def test_an_import_has_the_snapshots_it_changed_rebuilt_after_commit(
    django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker in this test
    MeasureFactory(code="ASC-WL-01")
    AreaFactory(ons_code="E08000002", name="Bury")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        observations_import(
            file_name="march.csv",
            content=template_csv(("ASC-WL-01", "E08000002", "Mar-25", "54", "")),
            file_format="template",
        )

    assert len(callbacks) == 1
    snapshot = DashboardSnapshot.objects.get()
    assert (snapshot.measure.code, snapshot.latest_value) == ("ASC-WL-01", Decimal("54"))
