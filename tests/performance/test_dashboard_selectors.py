from decimal import Decimal as D

import pytest

from bury_hc.periods import Month, Period, Quarter
from performance import selectors
from performance.models import ComparatorGroup, PublishedHighlight, PublishedRank
from performance.snapshots import snapshots_rebuild
from tests.factories import AreaFactory, MeasureFactory, ObservationFactory

Q4 = Quarter(2024, 4)


@pytest.fixture
def gm(db):
    bury = AreaFactory(ons_code="E08000002", name="Bury")
    bolton = AreaFactory(ons_code="E08000001", name="Bolton")
    trafford = AreaFactory(ons_code="E08000009", name="Trafford")
    group = ComparatorGroup.objects.create(
        name="Greater Manchester", slug="gm", short_name="GM", order=1
    )
    group.members.set([bury, bolton, trafford])
    return group, bury, bolton


def make_measures(count: int, gm) -> None:
    group, bury, bolton = gm
    for index in range(count):
        measure = MeasureFactory(polarity="lower", report_section="waiting-lists")
        for area, value in ((bury, 54 + index), (bolton, 122)):
            for quarter, bump in ((Quarter(2024, 3), 6), (Q4, 0)):
                ObservationFactory(
                    measure=measure,
                    area=area,
                    period=Period.for_quarter(quarter),
                    value=D(value + bump),
                )
        highlight = PublishedHighlight.objects.create(
            measure=measure,
            quarter=Q4,
            latest_value_as_published="54",
            direction="improving",
            source="test",
        )
        PublishedRank.objects.create(
            highlight=highlight, comparator_group=group, rank=3, out_of=10, as_at="2024/25 Q4"
        )
    snapshots_rebuild()


@pytest.mark.parametrize("measure_count", [2, 25])
def test_dashboard_rows_query_count_does_not_grow_with_measures(
    gm, django_assert_num_queries, measure_count
):
    make_measures(measure_count, gm)

    with django_assert_num_queries(3):
        rows = selectors.dashboard_rows(quarter=Q4, highlight_only=True)

    assert len(rows) == measure_count


def test_dashboard_row_reads_the_snapshot_in_words(gm):
    make_measures(1, gm)

    (row,) = selectors.dashboard_rows(quarter=Q4)

    assert row.latest_value_text == "54"
    assert row.latest_period == "2024/25 Q4"
    assert row.direction_vs_previous == "improving"  # 60 → 54, lower is better
    assert row.previous_value_text == "60"
    assert row.ranks[0].sentence == (
        "1st of 2 in Greater Manchester (Trafford not yet published), lower is better"
    )
    assert row.sparkline_text == "Trend: 2024/25 Q3 60, 2024/25 Q4 54"


def test_dashboard_row_states_where_published_rank_differs(gm):
    make_measures(1, gm)

    (row,) = selectors.dashboard_rows(quarter=Q4)

    assert row.published.value_text == "54"
    assert row.published.differences == (
        "Greater Manchester: published 3rd of 10 (2024/25 Q4); computed from the data "
        "1st of 2 in Greater Manchester (Trafford not yet published), lower is better.",
    )


def test_dashboard_quarters_newest_first(gm):
    make_measures(1, gm)

    assert selectors.dashboard_quarters() == [Q4, Quarter(2024, 3)]
    assert selectors.dashboard_latest_quarter() == Q4


def test_section_series_reads_one_section_in_two_queries(gm, django_assert_num_queries):
    _, bury, _ = gm
    measure = MeasureFactory(report_section="services", polarity="none")
    for month in range(1, 4):
        ObservationFactory(
            measure=measure, area=bury, period=Period.for_month(Month(2025, month)), value=D(600)
        )

    with django_assert_num_queries(2):
        (series,) = selectors.section_series(section="services", quarter=Q4)

    assert [label for label, _, _ in series.points] == [
        "January 2025",
        "February 2025",
        "March 2025",
    ]


def test_measure_detail_has_provenance_and_comparisons(gm, django_assert_max_num_queries):
    make_measures(1, gm)
    code = selectors.dashboard_rows(quarter=Q4)[0].measure_code

    with django_assert_max_num_queries(14):
        detail = selectors.measure_detail(code=code)

    assert [row.period for row in detail.provenance] == ["2024/25 Q4", "2024/25 Q3"]
    assert detail.provenance[0].file_name == "test.csv"
    values = {v.area_name: v.value for v in detail.comparisons["Greater Manchester"]}
    assert values == {"Bury": D("54"), "Bolton": D("122"), "Trafford": None}


def test_highlight_report_state_is_one_query_and_follows_a_rebuild(gm, django_assert_num_queries):
    make_measures(2, gm)
    with django_assert_num_queries(1):
        before = selectors.highlight_report_state()

    snapshots_rebuild()

    after = selectors.highlight_report_state()
    assert (before.earliest_quarter, before.latest_quarter) == (Quarter(2024, 3), Q4)
    assert after.version != before.version
    assert after.has_quarter(Q4)
    assert not after.has_quarter(Quarter(2025, 1))


@pytest.mark.parametrize("measure_count", [2, 25])
def test_highlight_report_page_query_count_does_not_grow(
    client, gm, django_assert_num_queries, measure_count
):
    from django.core.cache import cache
    from django.urls import reverse

    from bury_hc.roles import Role
    from tests.factories import user_with_role

    make_measures(measure_count, gm)
    cache.clear()
    client.force_login(user_with_role(Role.BOARD_MEMBER))  # the session, through the cache
    url = reverse("performance:highlights") + "?quarter=2024-25-Q4"

    # The user with their roles, the page's version, then (cache empty) the quarters, the
    # sections, the table's version and the table's three queries.
    with django_assert_num_queries(8):
        first = client.get(url)
    with django_assert_num_queries(2):  # the user with their roles, the page's version
        again = client.get(url)
    with django_assert_num_queries(2):  # the default quarter comes with the version
        client.get(reverse("performance:highlights"))

    def main(response) -> str:  # the page outside <main> carries a fresh CSP nonce
        page = response.content.decode()
        return page[page.index("<main") : page.index("</main>")]

    assert main(first) == main(again)
    for row in selectors.dashboard_rows(quarter=Q4, highlight_only=True):
        assert row.measure_name in main(again)
