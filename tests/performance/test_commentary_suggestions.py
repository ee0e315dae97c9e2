"""Rule-based first drafts of commentary: offered on the commentary form, never saved unasked."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from django.urls import reverse

from bury_hc.periods import Period, Quarter
from bury_hc.roles import Role
from performance import commentary, selectors
from performance.assessment import rank_in_group
from performance.models import SectionCommentary, Target
from performance.snapshots import snapshots_rebuild
from tests.factories import MeasureFactory, ObservationFactory, user_with_role

Q4 = Quarter(2024, 4)


def measure_with_values(values, *, polarity="lower", unit="count", section="waiting-lists"):
    measure = MeasureFactory(
        name="People waiting", polarity=polarity, unit=unit, report_section=section
    )
    quarter = Q4.shift(-(len(values) - 1))
    for value in values:
        ObservationFactory(measure=measure, period=Period.for_quarter(quarter), value=D(value))
        quarter = quarter.next()
    return measure


def row_for(measure):
    snapshots_rebuild()
    return next(r for r in selectors.dashboard_rows(quarter=Q4) if r.measure_code == measure.code)


@pytest.mark.django_db
def test_three_quarters_of_improvement_are_said_in_words():
    row = row_for(measure_with_values(["80", "70", "70", "65", "60", "54"]))

    assert commentary.improvement_run(row) == 3
    assert commentary.measure_suggestion(row).startswith(
        "People waiting: 54 (2024/25 Q4). Improved three quarters running"
    )


@pytest.mark.django_db
def test_suggestion_gives_rank_and_distance_from_target():
    measure = measure_with_values(["90", "86"], polarity="higher", unit="percentage")
    Target.objects.create(
        measure=measure,
        applies_from=Q4.financial_year.start,
        applies_to=Q4.end,
        value=D("90"),
    )
    rank = rank_in_group(
        values={"Bury": D("86"), "A": D("90"), "B": D("88"), "C": D("80")},
        home="Bury",
        polarity="higher",
        group="Greater Manchester",
    )
    row = replace(row_for(measure), ranks=(rank,))

    text = commentary.measure_suggestion(row)

    assert text == (
        "People waiting: 86% (2024/25 Q4). Worsening: against 90% in 2024/25 Q3; "
        "3rd of 4 in Greater Manchester, higher is better; 4 points off its target of 90%."
    )


@pytest.mark.django_db
def test_commentary_form_offers_the_suggestion_without_saving_it(client):
    measure_with_values(["60", "54"])
    snapshots_rebuild()
    client.force_login(user_with_role(Role.PERFORMANCE_ANALYST))
    url = reverse("performance:commentary_edit", kwargs={"section": "waiting-lists", "quarter": Q4})

    offered = client.get(url).content.decode()
    started = client.get(f"{url}?start=suggestion").content.decode()

    assert "Suggested first draft" in offered
    assert "Of 1 measure, 1 improved and 0 worsened" in offered
    textarea = started[started.index("<textarea") : started.index("</textarea>")]
    assert "People waiting: 54 (2024/25 Q4). Improving: against 60 in 2024/25 Q3." in textarea
    assert not SectionCommentary.objects.exists()
