from decimal import Decimal

import pytest

from bury_hc.periods import Month, Period, Quarter
from performance import selectors
from performance.models import ComparatorGroup, PublishedHighlight, PublishedRank
from tests.factories import AreaFactory, MeasureFactory, ObservationFactory

Q4 = Quarter(2024, 4)


@pytest.fixture
def bury(db):
    return AreaFactory(ons_code="E08000002", name="Bury")


def make_highlight_measures(count: int, bury) -> None:
    group = ComparatorGroup.objects.create(name="Greater Manchester", slug="gm", short_name="GM")
    for index in range(count):
        measure = MeasureFactory(unit="percentage")
        ObservationFactory(measure=measure, area=bury, value=Decimal("80") + index)
        highlight = PublishedHighlight.objects.create(
            measure=measure,
            quarter=Q4,
            latest_value_as_published="80%",
            direction="improving",
            source="test",
        )
        PublishedRank.objects.create(
            highlight=highlight, comparator_group=group, rank=3, out_of=10, as_at="2024/25 Q4"
        )


@pytest.mark.parametrize("measure_count", [2, 20])
def test_highlight_rows_query_count_does_not_grow_with_measures(
    django_assert_num_queries, bury, measure_count
):
    make_highlight_measures(measure_count, bury)

    with django_assert_num_queries(4):
        rows = selectors.highlight_rows(quarter=Q4)

    assert len(rows) == measure_count
    assert rows[0].published_ranks[0].rank == 3


def test_highlight_rows_take_latest_value_at_quarter_end(bury):
    measure = MeasureFactory(unit="count", name="People waiting for a needs assessment")
    for month, value in [(1, "60"), (3, "54"), (4, "40")]:  # April 2025 is after Q4 ends
        ObservationFactory(
            measure=measure,
            area=bury,
            period=Period.for_month(Month(2025, month)),
            value=Decimal(value),
        )

    (row,) = selectors.highlight_rows(quarter=Q4)

    assert row.latest_value_text == "54"
    assert row.latest_period == "March 2025"


def test_highlight_rows_ignore_other_areas(bury):
    measure = MeasureFactory()
    ObservationFactory(measure=measure, area=AreaFactory(ons_code="E08000001", name="Bolton"))

    (row,) = selectors.highlight_rows(quarter=Q4)

    assert row.latest_value is None
    assert row.latest_value_text == "No data"


def test_highlight_quarters_newest_first(bury):
    measure = MeasureFactory()
    for quarter in (Quarter(2024, 3), Quarter(2024, 4)):
        PublishedHighlight.objects.create(
            measure=measure, quarter=quarter, latest_value_as_published="1", source="test"
        )

    assert selectors.highlight_quarters() == [Quarter(2024, 4), Quarter(2024, 3)]
    assert selectors.highlight_latest_quarter() == Quarter(2024, 4)


@pytest.mark.django_db
def test_highlight_latest_quarter_none_before_any_report():
    assert selectors.highlight_latest_quarter() is None
