"""Performance services: observations are revised only when their value changes."""

from decimal import Decimal

import pytest

from bury_hc.imports import import_batch_record
from bury_hc.models import ImportBatch
from bury_hc.periods import Month, Period
from performance.services import observation_upsert
from tests.factories import AreaFactory, MeasureFactory

MARCH = Period.for_month(Month(2025, 3))


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
def test_observation_upsert_keeps_an_unchanged_value_and_revises_a_changed_one():
    measure, area = MeasureFactory(), AreaFactory()
    first_batch = record_batch(b"54")
    observation, change = observation_upsert(
        measure=measure, area=area, period=MARCH, value=Decimal("54"), batch=first_batch
    )
    assert change == "created"

    _, change = observation_upsert(
        measure=measure, area=area, period=MARCH, value=Decimal("54"), batch=record_batch(b"x")
    )
    observation.refresh_from_db()
    assert change == "unchanged"
    assert observation.batch == first_batch
    assert observation.revised_at is None

    second_batch = record_batch(b"55")
    _, change = observation_upsert(
        measure=measure, area=area, period=MARCH, value=Decimal("55"), batch=second_batch
    )
    observation.refresh_from_db()
    assert change == "updated"
    assert observation.value == Decimal("55")
    assert observation.batch == second_batch
    assert observation.revised_at is not None
