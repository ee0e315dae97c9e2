from decimal import Decimal as D

import pytest

from performance.assessment import (
    competition_positions,
    direction_of_travel,
    direction_sentence,
    position_text,
    rank_in_group,
    status_against_target,
)
from performance.models import DirectionOfTravel as Dir
from performance.models import Polarity
from performance.models import TargetStatus as Status

HIGHER, LOWER, NONE = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER, Polarity.NO_JUDGEMENT


@pytest.mark.parametrize(
    ("polarity", "current", "comparison", "expected"),
    [
        (LOWER, D("54"), D("60"), Dir.IMPROVING),  # fewer people waiting is better
        (LOWER, D("60"), D("54"), Dir.WORSENING),
        (HIGHER, D("85"), D("90"), Dir.WORSENING),
        (HIGHER, D("92"), D("90"), Dir.IMPROVING),
        (NONE, D("648"), D("618"), Dir.HIGHER),
        (NONE, D("600"), D("618"), Dir.LOWER),
        (HIGHER, D("85.4"), D("85.2"), Dir.NO_CHANGE),  # both show as 85%
        (HIGHER, None, D("85"), Dir.NOT_COMPARABLE),
        (LOWER, D("1"), None, Dir.NOT_COMPARABLE),
    ],
)
def test_direction_of_travel_respects_polarity(polarity, current, comparison, expected):
    assert (
        direction_of_travel(polarity=polarity, current=current, comparison=comparison) == expected
    )


def test_direction_of_travel_uses_displayed_precision():
    assert (
        direction_of_travel(
            polarity=HIGHER, current=D("85.4"), comparison=D("85.2"), decimal_places=1
        )
        == Dir.IMPROVING
    )


@pytest.mark.parametrize(
    ("polarity", "value", "target", "tolerance", "expected"),
    [
        (LOWER, D("54"), D("60"), D("5"), Status.MET),  # below a lower-is-better target
        (LOWER, D("60"), D("60"), D("5"), Status.MET),  # exactly on target
        (LOWER, D("64"), D("60"), D("5"), Status.WITHIN_TOLERANCE),
        (LOWER, D("65"), D("60"), D("5"), Status.WITHIN_TOLERANCE),  # edge of tolerance
        (LOWER, D("65.01"), D("60"), D("5"), Status.NOT_MET),
        (HIGHER, D("85"), D("90"), D("2"), Status.NOT_MET),
        (HIGHER, D("89"), D("90"), D("2"), Status.WITHIN_TOLERANCE),
        (HIGHER, D("91"), D("90"), D("0"), Status.MET),
        (HIGHER, D("91"), None, D("0"), Status.NO_TARGET),
        (NONE, D("91"), D("90"), D("0"), Status.NO_TARGET),
        (HIGHER, None, D("90"), D("0"), Status.NO_DATA),
    ],
)
def test_status_against_target(polarity, value, target, tolerance, expected):
    assert (
        status_against_target(polarity=polarity, value=value, target=target, tolerance=tolerance)
        == expected
    )


GM_WAITING_LIST = {  # people waiting for a needs assessment, March 2025 (Trafford absent)
    "Bolton": D("122"),
    "Bury": D("54"),
    "Manchester": D("178"),
    "Oldham": D("72"),
    "Rochdale": D("17"),
    "Salford": D("143"),
    "Stockport": D("153"),
    "Tameside": D("101"),
    "Wigan": D("49"),
    "Trafford": None,
}


def test_rank_lower_is_better_with_member_not_published():
    rank = rank_in_group(
        values=GM_WAITING_LIST, home="Bury", polarity=LOWER, group="Greater Manchester"
    )

    assert (rank.rank, rank.out_of, rank.group_size) == (3, 9, 10)
    assert rank.not_published == ("Trafford",)
    assert rank.sentence == (
        "3rd of 9 in Greater Manchester (Trafford not yet published), lower is better"
    )


def test_rank_higher_is_better_reverses_the_order():
    rank = rank_in_group(values=GM_WAITING_LIST, home="Bury", polarity=HIGHER, group="GM")

    assert rank.rank == 7


def test_rank_ties_share_a_rank_and_say_so():
    values = {"A": D("10"), "Bury": D("20"), "C": D("20"), "D": D("30")}

    rank = rank_in_group(values=values, home="Bury", polarity=HIGHER, group="Test")

    assert (rank.rank, rank.tied_with) == (2, 1)
    assert rank.sentence == "joint 2nd of 4 in Test, higher is better"


def test_rank_ties_at_displayed_precision():
    values = {"A": D("85.2"), "Bury": D("85.4")}

    rank = rank_in_group(values=values, home="Bury", polarity=HIGHER, group="T", decimal_places=0)

    assert (rank.rank, rank.tied_with) == (1, 1)


def test_rank_without_home_value_is_not_ranked():
    rank = rank_in_group(values={"A": D("1"), "Bury": None}, home="Bury", polarity=LOWER, group="T")

    assert rank.rank is None
    assert rank.sentence.startswith("Not ranked in T")


def test_rank_round_trips_through_json():
    rank = rank_in_group(values=GM_WAITING_LIST, home="Bury", polarity=LOWER, group="GM")

    assert type(rank).from_dict(rank.as_dict()) == rank


def test_rank_counts_rather_than_names_many_missing_members():
    values = {f"Council {i}": D(i) for i in range(8)} | {f"Other {i}": None for i in range(4)}

    rank = rank_in_group(
        values={**values, "Bury": D("3.5")}, home="Bury", polarity=LOWER, group="NW"
    )

    assert rank.sentence == "5th of 9 in NW (4 of the 13 not yet published), lower is better"


def test_rank_not_shown_until_half_the_group_has_published():
    values = {"Bury": D("1"), **{f"Council {i}": None for i in range(9)}}

    rank = rank_in_group(values=values, home="Bury", polarity=LOWER, group="Greater Manchester")

    assert not rank.is_ranked
    assert rank.position == ""
    assert rank.sentence == "Not ranked in Greater Manchester: 1 of 10 councils published"


def test_rank_shown_when_exactly_half_has_published():
    values = {"Bury": D("1"), "A": D("2"), "B": None, "C": None}

    rank = rank_in_group(values=values, home="Bury", polarity=LOWER, group="T")

    assert rank.is_ranked
    assert rank.sentence == "1st of 2 in T (B, C not yet published), lower is better"


def test_tied_positions_are_the_same_for_every_member():
    # ASCOF 1A: Bury and Salford share 4th place at the displayed precision
    values = {
        "A": D("19.9"),
        "B": D("19.5"),
        "C": D("19.4"),
        "Bury": D("19.04"),
        "Salford": D("19.0"),
        "D": D("18.8"),
    }

    positions = competition_positions(values=values, polarity=HIGHER, decimal_places=1)
    rank = rank_in_group(values=values, home="Bury", polarity=HIGHER, group="GM", decimal_places=1)

    assert positions["Bury"] == positions["Salford"] == (4, 1)
    assert position_text(*positions["Salford"]) == "joint 4th"
    assert rank.position == "joint 4th"
    assert positions["D"] == (6, 0)


@pytest.mark.parametrize(
    ("direction", "published", "expected"),
    [
        (Dir.IMPROVING, "", "Improving: against 60 in 2024/25 Q3"),
        (
            Dir.WORSENING,
            "improving",
            "Worsening: against 60 in 2024/25 Q3 (published as improving)",
        ),
        (Dir.NO_CHANGE, "", "No change: against 60 in 2024/25 Q3"),
        (Dir.IMPROVING, "improving", "Improving: against 60 in 2024/25 Q3"),
    ],
)
def test_direction_sentence_says_what_it_compared(direction, published, expected):
    text = direction_sentence(
        direction=direction,
        comparison_text="60",
        comparison_period="2024/25 Q3",
        published=published,
    )

    assert text == expected


def test_direction_sentence_without_an_earlier_value():
    assert direction_sentence(direction=Dir.NOT_COMPARABLE) == (
        "Not comparable: no earlier value to compare with"
    )


def test_targets_sentence_says_once_which_measures_have_no_target():
    from performance.assessment import targets_sentence

    assert targets_sentence(with_target=0, total=12).startswith(
        "No target set for any of these measures"
    )
    assert targets_sentence(with_target=2, total=11).startswith(
        "No target set for 9 of the 11 measures"
    )
    assert targets_sentence(with_target=3, total=3) == ""
    assert targets_sentence(with_target=0, total=0) == ""
