"""The pure rules of the cycle: the suggested status, the required fields, trend, actions."""

import datetime as dt

import pytest

from bury_hc.periods import Quarter
from programmes import rules
from programmes.models import DeliveryStatus
from programmes.rules import Action, Actor, UpdateEntry

START = dt.date(2024, 4, 1)
DUE = dt.date(2025, 3, 31)
Q4 = Quarter(2024, 4)


def suggest(as_at: dt.date, progress: int, *, start=START, due=DUE) -> rules.Suggestion:
    return rules.status_suggest(start=start, due=due, as_at=as_at, progress_percent=progress)


# --- the suggested status -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (100, DeliveryStatus.COMPLETE),
        (95, DeliveryStatus.GREEN),
        (90, DeliveryStatus.GREEN),  # 10 points behind: the edge of on track
        (89, DeliveryStatus.AMBER),
        (75, DeliveryStatus.AMBER),  # 25 points behind: the edge of at risk
        (74, DeliveryStatus.RED),
        (0, DeliveryStatus.RED),
    ],
)
def test_status_suggest_at_the_due_date_compares_progress_with_all_the_time(progress, expected):
    suggestion = suggest(DUE, progress)

    assert suggestion.status == expected
    assert suggestion.expected_percent == 100


def test_status_suggest_half_way_through_expects_half_the_progress():
    half_way = dt.date(2024, 9, 30)  # end of Q2: 182 of 364 days

    assert suggest(half_way, 50).status == DeliveryStatus.GREEN
    assert suggest(half_way, 50).expected_percent == 50
    assert suggest(half_way, 30).status == DeliveryStatus.AMBER
    assert suggest(half_way, 20).status == DeliveryStatus.RED


def test_status_suggest_ahead_of_schedule_is_on_track():
    suggestion = suggest(dt.date(2024, 9, 30), 80)

    assert suggestion.status == DeliveryStatus.GREEN
    assert "points behind" not in suggestion.explanation


def test_status_suggest_not_started_while_little_time_has_gone():
    suggestion = suggest(dt.date(2024, 4, 20), 0)

    assert suggestion.status == DeliveryStatus.NOT_STARTED
    assert "no progress" in suggestion.explanation


def test_status_suggest_past_due_and_incomplete_is_off_track_whatever_the_progress():
    suggestion = suggest(dt.date(2025, 3, 31), 99, due=dt.date(2025, 2, 14))

    assert suggestion.status == DeliveryStatus.RED
    assert "14 February 2025" in suggestion.explanation
    assert "has passed" in suggestion.explanation


def test_status_suggest_explains_itself_in_words():
    suggestion = suggest(DUE, 80)

    assert suggestion.explanation == (
        "At risk (amber): 100% of its time had gone by 31 March 2025 and progress is 80%, "
        "20 points behind."
    )


def test_status_suggest_copes_with_a_due_date_before_the_start():
    assert suggest(DUE, 50, start=DUE, due=START).status == DeliveryStatus.RED


def test_milestone_status_suggest_counts_from_the_due_years_april_without_a_start():
    suggestion = rules.milestone_status_suggest(
        start_quarter=None,
        due_quarter=Q4,
        due_date=None,
        quarter=Quarter(2024, 2),
        progress_percent=50,
    )

    assert suggestion.expected_percent == 50
    assert suggestion.status == DeliveryStatus.GREEN


def test_milestone_status_suggest_uses_the_start_quarter_and_due_date():
    suggestion = rules.milestone_status_suggest(
        start_quarter=Quarter(2024, 3),
        due_quarter=Q4,
        due_date=dt.date(2025, 1, 31),
        quarter=Quarter(2024, 3),
        progress_percent=0,
    )

    # 1 October 2024 to 31 January 2025 is 122 days; the quarter ends on day 91.
    assert suggestion.expected_percent == 75
    assert suggestion.status == DeliveryStatus.RED


def test_the_rule_shown_to_users_names_the_thresholds():
    assert f"Up to {rules.ON_TRACK_TOLERANCE} points behind is on track" in rules.SCHEDULE_RULE_TEXT
    assert f"up to {rules.AT_RISK_TOLERANCE} points behind is at risk" in rules.SCHEDULE_RULE_TEXT


# --- what an update must have --------------------------------------------------------------------


def problems(status: str, previous: str | None = None, **entry) -> dict[str, str]:
    entry.setdefault("progress_percent", 80)
    suggestion = rules.status_suggest(
        start=START, due=DUE, as_at=Q4.end, progress_percent=entry["progress_percent"]
    )
    return rules.update_problems(
        entry=UpdateEntry(status=status, **entry),
        quarter=Q4,
        previous_status=previous,
        suggestion=suggestion,
    )


GOOD_RECOVERY = {
    "path_to_green": "Recruit two more staff",
    "back_on_track_quarter": Quarter(2025, 1),
}


@pytest.mark.parametrize("status", ["amber", "red"])
def test_commentary_required_for_amber_and_red(status):
    found = problems(status, override_reason="Judged so", **GOOD_RECOVERY)

    assert found["commentary"].startswith("Enter commentary: it is needed because the status is")


def test_commentary_required_when_the_status_changed_since_last_quarter():
    found = problems("green", previous="amber", progress_percent=95)

    assert found == {
        "commentary": "Enter commentary: it is needed because the status has changed since last "
        "quarter (from At risk (amber) to On track (green))"
    }


def test_commentary_optional_when_green_and_unchanged():
    assert problems("green", previous="green", progress_percent=95) == {}


def test_commentary_optional_for_a_first_green_update():
    assert problems("green", previous=None, progress_percent=95) == {}


@pytest.mark.parametrize("status", ["amber", "red"])
def test_path_to_green_required_for_amber_and_red(status):
    found = problems(status, commentary="Behind", override_reason="Judged so")

    assert found["path_to_green"].startswith("Enter the path to green")
    assert found["back_on_track_quarter"] == (
        "Enter the quarter the milestone is expected to be back on track, for example 2025/26 Q1"
    )


def test_path_to_green_quarter_must_be_after_the_reported_quarter():
    found = problems(
        "amber", commentary="Behind", path_to_green="Recover", back_on_track_quarter=Q4
    )

    assert found == {
        "back_on_track_quarter": "The quarter it is expected back on track must be after 2024/25 Q4"
    }


def test_complete_amber_update_with_everything_passes():
    assert problems("amber", commentary="Behind", **GOOD_RECOVERY) == {}


def test_override_of_the_suggestion_needs_a_reason():
    found = problems("green", progress_percent=80)

    assert found == {
        "override_reason": "Enter why you chose On track (green) when the schedule suggests "
        "At risk (amber)"
    }
    assert problems("green", progress_percent=80, override_reason="Contract signed") == {}


def test_complete_needs_100_per_cent():
    found = problems("complete", progress_percent=90, override_reason="Done")

    assert "progress_percent" in found


# --- trend ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "trend", "text"),
    [
        ("green", "amber", "better", "Better than last quarter (At risk (amber))"),
        ("red", "green", "worse", "Worse than last quarter (On track (green))"),
        ("amber", "amber", "same", "Same as last quarter"),
        ("complete", "red", "better", "Better than last quarter (Off track (red))"),
        ("green", None, "none", "No update last quarter to compare with"),
        (None, "green", "none", "No update this quarter"),
        ("green", "not_started", "none", "Not comparable (last quarter: Not started)"),
        ("not_started", "not_started", "same", "Same as last quarter"),
    ],
)
def test_trend_between_in_words(current, previous, trend, text):
    words = rules.trend_between(current=current, previous=previous)

    assert (words.trend, words.text) == (trend, text)


# --- who may do what ------------------------------------------------------------------------------

LEAD = Actor(is_lead=True)
TEAM = Actor(is_performance_team=True)
APPROVER = Actor(is_approver=True)
READER = Actor()


@pytest.mark.parametrize(
    ("actor", "state", "quarter_open", "expected"),
    [
        (LEAD, None, True, {Action.EDIT}),
        (LEAD, "draft", True, {Action.EDIT, Action.SUBMIT}),
        (LEAD, "returned", True, {Action.EDIT, Action.SUBMIT}),
        (LEAD, "submitted", True, set()),
        (LEAD, "approved", True, set()),
        (LEAD, "draft", False, set()),
        (TEAM, "draft", True, {Action.EDIT, Action.SUBMIT}),
        (TEAM, "approved", True, {Action.REOPEN}),
        (TEAM, "submitted", True, set()),
        (APPROVER, "submitted", True, {Action.APPROVE, Action.RETURN}),
        (APPROVER, "submitted", False, {Action.APPROVE, Action.RETURN}),
        (APPROVER, "draft", True, set()),
        (APPROVER, "approved", True, set()),
        (READER, "submitted", True, set()),
        (READER, None, True, set()),
    ],
)
def test_update_actions(actor, state, quarter_open, expected):
    assert rules.update_actions(actor=actor, state=state, quarter_open=quarter_open) == expected
