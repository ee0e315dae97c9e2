"""A real Celery worker, fed through Redis, rebuilds the snapshots an import touched."""

from decimal import Decimal as D

import pytest

from bury_hc.periods import Period, Quarter
from performance.models import DashboardSnapshot
from performance.snapshots import snapshot_scope_for_batch
from performance.tasks import snapshots_rebuild
from tests.factories import AreaFactory, ImportBatchFactory, MeasureFactory, ObservationFactory


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_rebuilds_only_the_quarter_a_batch_touched(real_celery_worker):
    bury = AreaFactory(ons_code="E08000002", name="Bury")
    measure = MeasureFactory(polarity="lower")
    ObservationFactory(
        measure=measure, area=bury, period=Period.for_quarter(Quarter(2024, 3)), value=D(60)
    )
    batch = ImportBatchFactory(file_name="q4.csv")
    ObservationFactory(
        measure=measure,
        area=bury,
        period=Period.for_quarter(Quarter(2024, 4)),
        value=D(54),
        batch=batch,
    )

    measure_ids, quarters = snapshot_scope_for_batch(batch_id=batch.id)
    result = snapshots_rebuild.apply_async(
        (measure_ids, [quarter.code for quarter in quarters]), queue=real_celery_worker.queue
    )

    assert result.get(timeout=60) == 1
    snapshot = DashboardSnapshot.objects.get()
    assert (snapshot.quarter, snapshot.latest_value) == (Quarter(2024, 4), D(54))
    assert snapshot.direction_vs_previous == "improving"
    assert f"performance.snapshots_rebuild[{result.id}] succeeded" in (real_celery_worker.log())
