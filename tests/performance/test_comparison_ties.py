"""Tied councils share a place, in the same words on the rank line and in the comparison table."""

from decimal import Decimal as D

import pytest

from bury_hc.periods import Period, Quarter
from performance import charts, selectors
from performance.models import ComparatorGroup
from performance.snapshots import snapshots_rebuild
from tests.factories import AreaFactory, MeasureFactory, ObservationFactory

Q4 = Quarter(2024, 4)


@pytest.mark.django_db
def test_joint_place_is_the_same_on_the_rank_line_and_in_the_table():
    measure = MeasureFactory(polarity="higher", unit="score", decimal_places=1)
    values = {"Bury": "19.04", "Salford": "19.0", "Bolton": "19.9", "Wigan": "19.5"}
    values |= {"Oldham": "19.4", "Rochdale": "18.8"}
    areas = []
    for index, (name, value) in enumerate(values.items()):
        code = "E08000002" if name == "Bury" else f"E0800010{index}"
        area = AreaFactory(name=name, ons_code=code)
        areas.append(area)
        ObservationFactory(
            measure=measure, area=area, period=Period.for_quarter(Q4), value=D(value)
        )
    group = ComparatorGroup.objects.create(
        name="Greater Manchester", slug="gm", short_name="GM", order=1
    )
    group.members.set(areas)
    snapshots_rebuild()

    detail = selectors.measure_detail(code=measure.code, quarter=Q4)
    chart = charts.comparison_chart(detail, "Greater Manchester")

    [rank] = detail.snapshot.ranks
    assert rank.sentence == "joint 4th of 6 in Greater Manchester, higher is better"
    positions = {row[0]: row[2] for row in chart.table.rows}
    assert positions["Bury"] == positions["Salford"] == "joint 4th"
    assert positions["Rochdale"] == "6th"
    assert "Bury was joint 4th of 6" in chart.summary
