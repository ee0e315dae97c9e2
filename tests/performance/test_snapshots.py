from decimal import Decimal as D

import pytest

from bury_hc.periods import Month, Period, Quarter
from performance.models import (
    ComparatorGroup,
    DashboardSnapshot,
    DirectionOfTravel,
    Target,
    TargetStatus,
)
from performance.snapshots import snapshot_scope_for_batch, snapshots_rebuild
from tests.factories import AreaFactory, ImportBatchFactory, MeasureFactory, ObservationFactory

Q = Quarter


@pytest.fixture
def gm(db):
    bury = AreaFactory(ons_code="E08000002", name="Bury")
    others = [
        AreaFactory(ons_code=code, name=name)
        for code, name in [
            ("E08000001", "Bolton"),
            ("E08000004", "Oldham"),
            ("E08000009", "Trafford"),
        ]
    ]
    group = ComparatorGroup.objects.create(
        name="Greater Manchester", slug="gm", short_name="GM", order=1
    )
    group.members.set([bury, *others])
    return {"Bury": bury, **{area.name: area for area in others}}


def quarterly(measure, area, values: dict[Quarter, str], batch=None):
    for quarter, value in values.items():
        kwargs = {"batch": batch} if batch else {}
        ObservationFactory(
            measure=measure,
            area=area,
            period=Period.for_quarter(quarter),
            value=D(value),
            **kwargs,
        )


def test_snapshot_holds_latest_previous_last_year_and_direction(gm):
    waiting = MeasureFactory(polarity="lower", name="People waiting")
    quarterly(
        waiting,
        gm["Bury"],
        {
            Q(2023, 4): "80",
            Q(2024, 1): "75",
            Q(2024, 2): "70",
            Q(2024, 3): "60",
            Q(2024, 4): "54",
        },
    )

    snapshots_rebuild()

    snap = DashboardSnapshot.objects.get(measure=waiting, quarter=Q(2024, 4))
    assert snap.latest_value == D("54")
    assert snap.previous_value == D("60")
    assert snap.last_year_value == D("80")  # 2023/24 Q4, the same quarter a year earlier
    assert snap.direction_vs_previous == DirectionOfTravel.IMPROVING  # fewer is better
    assert snap.direction_vs_last_year == DirectionOfTravel.IMPROVING
    assert [label for label, _ in snap.sparkline] == [
        "2023/24 Q4",
        "2024/25 Q1",
        "2024/25 Q2",
        "2024/25 Q3",
        "2024/25 Q4",
    ]
    assert snap.sparkline[-1] == ["2024/25 Q4", "54.000000"]


def test_snapshot_as_at_quarter_end_ignores_later_values(gm):
    measure = MeasureFactory()
    for month, value in [(3, "54"), (4, "40")]:
        ObservationFactory(
            measure=measure,
            area=gm["Bury"],
            period=Period.for_month(Month(2025, month)),
            value=D(value),
        )

    snapshots_rebuild()

    assert DashboardSnapshot.objects.get(measure=measure, quarter=Q(2024, 4)).latest_value == 54
    assert DashboardSnapshot.objects.get(measure=measure, quarter=Q(2025, 1)).latest_value == 40


def test_snapshot_ranks_in_group_with_missing_member(gm):
    measure = MeasureFactory(polarity="lower")
    for name, value in [("Bury", "54"), ("Bolton", "122"), ("Oldham", "17")]:
        quarterly(measure, gm[name], {Q(2024, 4): value})

    snapshots_rebuild()

    (rank,) = DashboardSnapshot.objects.get(measure=measure, quarter=Q(2024, 4)).ranks
    assert (rank["rank"], rank["out_of"], rank["group_size"]) == (2, 3, 4)
    assert rank["not_published"] == ["Trafford"]


def test_snapshot_status_against_target_with_tolerance(gm):
    measure = MeasureFactory(polarity="higher", unit="percentage")
    quarterly(measure, gm["Bury"], {Q(2024, 4): "85"})
    Target.objects.create(
        measure=measure,
        applies_from=Q(2024, 1).start,
        applies_to=Q(2024, 4).end,
        value=D("90"),
        tolerance=D("5"),
    )

    snapshots_rebuild()

    snap = DashboardSnapshot.objects.get(measure=measure, quarter=Q(2024, 4))
    assert snap.status == TargetStatus.WITHIN_TOLERANCE
    assert snap.target_value == D("90")


def test_rebuild_is_idempotent(gm):
    measure = MeasureFactory()
    quarterly(measure, gm["Bury"], {Q(2024, 3): "1", Q(2024, 4): "2"})

    first = snapshots_rebuild()
    second = snapshots_rebuild()

    assert first == second == 2
    assert DashboardSnapshot.objects.count() == 2


def test_one_quarter_import_rebuilds_only_that_quarter(gm):
    measure = MeasureFactory()
    quarterly(measure, gm["Bury"], {Q(2024, 2): "5", Q(2024, 3): "6"})
    snapshots_rebuild()
    untouched = DashboardSnapshot.objects.get(quarter=Q(2024, 2))
    batch = ImportBatchFactory(file_name="q4.csv")
    quarterly(measure, gm["Bury"], {Q(2024, 4): "7"}, batch=batch)

    measure_ids, quarters = snapshot_scope_for_batch(batch_id=batch.id)
    written = snapshots_rebuild(measure_ids=measure_ids, quarters=quarters)

    assert (measure_ids, quarters, written) == ([measure.id], [Q(2024, 4)], 1)
    assert DashboardSnapshot.objects.get(quarter=Q(2024, 2)).built_at == untouched.built_at
    assert DashboardSnapshot.objects.filter(measure=measure).count() == 3


def test_rebuild_query_count_does_not_grow_with_observations(gm, django_assert_max_num_queries):
    measure = MeasureFactory()
    quarterly(
        measure, gm["Bury"], {Q(2022, n % 4 + 1).shift(n // 4 * 4): str(n) for n in range(12)}
    )

    with django_assert_max_num_queries(12):
        snapshots_rebuild()


def test_scoped_rebuild_still_shows_a_stale_latest_value(gm):
    measure = MeasureFactory(frequency="monthly")
    ObservationFactory(
        measure=measure, area=gm["Bury"], period=Period.for_month(Month(2019, 5)), value=D("7")
    )
    other = MeasureFactory()
    quarterly(other, gm["Bury"], {Q(2024, 4): "1"})

    snapshots_rebuild(quarters=[Q(2024, 4)])

    snap = DashboardSnapshot.objects.get(measure=measure, quarter=Q(2024, 4))
    assert (snap.latest_value, snap.latest_period_start.year) == (D("7"), 2019)


def test_scoped_rebuild_matches_full_rebuild(gm):
    measure = MeasureFactory(polarity="lower")
    for name, base in (("Bury", 50), ("Bolton", 70), ("Oldham", 40)):
        quarterly(measure, gm[name], {Q(2021, 1).shift(n): str(base + n) for n in range(16)})
    snapshots_rebuild()
    full = {
        s.quarter: (s.latest_value, s.previous_value, s.last_year_value, s.sparkline, s.ranks)
        for s in DashboardSnapshot.objects.all()
    }

    snapshots_rebuild(quarters=[Q(2024, 4)])

    scoped = DashboardSnapshot.objects.get(quarter=Q(2024, 4))
    assert full[Q(2024, 4)] == (
        scoped.latest_value,
        scoped.previous_value,
        scoped.last_year_value,
        scoped.sparkline,
        scoped.ranks,
    )
