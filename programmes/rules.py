"""The rules of the quarterly milestone cycle, as pure functions (no database, no requests).

- `status_suggest`: the delivery status the schedule suggests, and why, in words a lead reads.
- `update_problems`: what a quarterly update is missing (commentary, a path to green, a reason
  for overriding the suggestion), keyed by field, as GOV.UK-style error messages.
- `trend_between`: better, worse or the same as last quarter, in words.
- `update_actions`: what a person may do with an update, given who they are and its state.

Forms, services, selectors and pages all use these, so the rule shown to a lead is the rule
that is applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bury_hc.periods import Quarter
from programmes.models import DeliveryStatus, MilestoneUpdate

# How far behind the schedule (in percentage points of progress) a milestone can be and still
# be on track, or at risk rather than off track.
ON_TRACK_TOLERANCE = 10
AT_RISK_TOLERANCE = 25

SCHEDULE_RULE_TEXT = (
    "The suggestion compares progress with how far through its time the milestone is at the "
    "end of the quarter, counting from its start quarter (or, when it has none, from 1 April "
    "of the financial year it is due in) to its due date (or the end of its due quarter). "
    f"Up to {ON_TRACK_TOLERANCE} points behind is on track (green); up to "
    f"{AT_RISK_TOLERANCE} points behind is at risk (amber); more than that, or past its due "
    "date without being complete, is off track (red). 100% progress is complete; no progress "
    f"while less than {ON_TRACK_TOLERANCE}% of the time has gone is not started."
)

NEEDS_RECOVERY = frozenset({DeliveryStatus.AMBER, DeliveryStatus.RED})

# Worst to best, for the trend. Not started has no place: it is neither better nor worse.
_STATUS_RANK: dict[str, int] = {
    DeliveryStatus.RED: 0,
    DeliveryStatus.AMBER: 1,
    DeliveryStatus.GREEN: 2,
    DeliveryStatus.COMPLETE: 3,
}


@dataclass(frozen=True)
class Suggestion:
    """The status the schedule suggests, the numbers behind it, and the reason in words."""

    status: DeliveryStatus
    expected_percent: int
    progress_percent: int
    explanation: str

    @property
    def label(self) -> str:
        return DeliveryStatus(self.status).label


def schedule_start(*, start_quarter: Quarter | None, due_quarter: Quarter) -> dt.date:
    """When a milestone's time starts: its start quarter, else its due year's 1 April."""
    if start_quarter is not None:
        return start_quarter.start
    return due_quarter.financial_year.start


def schedule_due(*, due_quarter: Quarter, due_date: dt.date | None) -> dt.date:
    return due_date or due_quarter.end


def status_suggest(
    *, start: dt.date, due: dt.date, as_at: dt.date, progress_percent: int
) -> Suggestion:
    """The status a milestone's schedule suggests at `as_at` (the end of the reporting
    quarter), given its progress. See SCHEDULE_RULE_TEXT for the rule in words."""
    progress = max(0, min(100, progress_percent))
    if due <= start:
        expected = 100
    else:
        elapsed = (as_at - start).days / (due - start).days
        expected = round(100 * max(0.0, min(1.0, elapsed)))
    behind = expected - progress
    when = f"{expected}% of its time had gone by {as_at:%-d %B %Y}"
    if progress >= 100:
        status, why = DeliveryStatus.COMPLETE, "progress is 100%"
    elif as_at > due:
        status = DeliveryStatus.RED
        why = f"its due date, {due:%-d %B %Y}, has passed and progress is {progress}%"
    elif progress == 0 and expected < ON_TRACK_TOLERANCE:
        status, why = DeliveryStatus.NOT_STARTED, f"{when} and no progress is recorded"
    elif behind <= ON_TRACK_TOLERANCE:
        status = DeliveryStatus.GREEN
        why = f"{when} and progress is {progress}%" + (
            f", {behind} points behind" if behind > 0 else ""
        )
    elif behind <= AT_RISK_TOLERANCE:
        status = DeliveryStatus.AMBER
        why = f"{when} and progress is {progress}%, {behind} points behind"
    else:
        status = DeliveryStatus.RED
        why = f"{when} and progress is {progress}%, {behind} points behind"
    return Suggestion(
        status=status,
        expected_percent=expected,
        progress_percent=progress,
        explanation=f"{DeliveryStatus(status).label}: {why}.",
    )


def milestone_status_suggest(
    *,
    start_quarter: Quarter | None,
    due_quarter: Quarter,
    due_date: dt.date | None,
    quarter: Quarter,
    progress_percent: int,
) -> Suggestion:
    """`status_suggest` for a milestone reporting on `quarter` (as at the quarter's end)."""
    return status_suggest(
        start=schedule_start(start_quarter=start_quarter, due_quarter=due_quarter),
        due=schedule_due(due_quarter=due_quarter, due_date=due_date),
        as_at=quarter.end,
        progress_percent=progress_percent,
    )


def commentary_required(*, status: str, previous_status: str | None) -> str | None:
    """Why commentary is needed for this status, or None when it is optional."""
    if status in NEEDS_RECOVERY:
        return f"the status is {DeliveryStatus(status).label}"
    if previous_status and previous_status != status:
        return (
            f"the status has changed since last quarter (from "
            f"{DeliveryStatus(previous_status).label} to {DeliveryStatus(status).label})"
        )
    return None


@dataclass(frozen=True)
class UpdateEntry:
    """What a lead entered for one quarterly update (as cleaned by the form)."""

    status: str
    progress_percent: int
    commentary: str = ""
    path_to_green: str = ""
    back_on_track_quarter: Quarter | None = None
    override_reason: str = ""


def update_problems(
    *, entry: UpdateEntry, quarter: Quarter, previous_status: str | None, suggestion: Suggestion
) -> dict[str, str]:
    """Field name → error message for each rule the entry breaks (empty when it is fine).

    - Commentary is needed for amber or red, and when the status changed since last quarter.
    - Amber or red needs a path to green: the recovery action and the quarter it is expected
      back on track (after the quarter being reported).
    - Complete means 100% progress.
    - A status other than the one the schedule suggests needs a reason.
    """
    problems: dict[str, str] = {}
    status = DeliveryStatus(entry.status)
    why = commentary_required(status=status, previous_status=previous_status)
    if why and not entry.commentary.strip():
        problems["commentary"] = f"Enter commentary: it is needed because {why}"
    if status in NEEDS_RECOVERY:
        if not entry.path_to_green.strip():
            problems["path_to_green"] = (
                f"Enter the path to green: the recovery action for a milestone that is "
                f"{status.label}"
            )
        if entry.back_on_track_quarter is None:
            problems["back_on_track_quarter"] = (
                "Enter the quarter the milestone is expected to be back on track, for example "
                f"{quarter.next().label}"
            )
        elif entry.back_on_track_quarter <= quarter:
            problems["back_on_track_quarter"] = (
                f"The quarter it is expected back on track must be after {quarter.label}"
            )
    if status == DeliveryStatus.COMPLETE and entry.progress_percent != 100:
        problems["progress_percent"] = (
            "Enter 100 for progress, or choose another status: a complete milestone is 100% done"
        )
    if status != suggestion.status and not entry.override_reason.strip():
        problems["override_reason"] = (
            f"Enter why you chose {status.label} when the schedule suggests {suggestion.label}"
        )
    return problems


class Trend(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    NONE = "none"


@dataclass(frozen=True)
class TrendWords:
    trend: Trend
    text: str


def trend_between(*, current: str | None, previous: str | None) -> TrendWords:
    """Whether delivery got better, worse or stayed the same since last quarter, in words."""
    if current is None:
        return TrendWords(Trend.NONE, "No update this quarter")
    if previous is None:
        return TrendWords(Trend.NONE, "No update last quarter to compare with")
    if current not in _STATUS_RANK or previous not in _STATUS_RANK:
        if current == previous:
            return TrendWords(Trend.SAME, "Same as last quarter")
        return TrendWords(
            Trend.NONE, f"Not comparable (last quarter: {DeliveryStatus(previous).label})"
        )
    previous_label = DeliveryStatus(previous).label
    if _STATUS_RANK[current] > _STATUS_RANK[previous]:
        return TrendWords(Trend.BETTER, f"Better than last quarter ({previous_label})")
    if _STATUS_RANK[current] < _STATUS_RANK[previous]:
        return TrendWords(Trend.WORSE, f"Worse than last quarter ({previous_label})")
    return TrendWords(Trend.SAME, "Same as last quarter")


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Actor:
    """Who someone is for one programme: one of its leads, the performance team, one of its
    approvers (any may be true at once)."""

    is_lead: bool = False
    is_performance_team: bool = False
    is_approver: bool = False

    @property
    def can_edit_milestones(self) -> bool:
        return self.is_lead or self.is_performance_team


def update_actions(*, actor: Actor, state: str | None, quarter_open: bool) -> frozenset[Action]:
    """What `actor` may do with a quarter's update in `state` (None: no update yet).

    Leads of the programme (and the performance team, who run the cycle) enter and submit
    updates while the quarter is open and the update is a draft or returned; the programme's
    approvers approve or return submitted updates; only the performance team reopens an
    approved one.
    """
    actions = set()
    editable = state in (None, MilestoneUpdate.State.DRAFT, MilestoneUpdate.State.RETURNED)
    if actor.can_edit_milestones and quarter_open and editable:
        actions.add(Action.EDIT)
        if state is not None:
            actions.add(Action.SUBMIT)
    if actor.is_approver and state == MilestoneUpdate.State.SUBMITTED:
        actions |= {Action.APPROVE, Action.RETURN}
    if actor.is_performance_team and state == MilestoneUpdate.State.APPROVED:
        actions.add(Action.REOPEN)
    return frozenset(actions)


def programme_status(statuses: list[str]) -> str | None:
    """A programme's RAG for a quarter: the worst of its milestones' reported statuses (one Red
    milestone makes the programme Red); Complete counts as Green. None when nothing was
    reported."""
    ranked = [status for status in statuses if status in _STATUS_RANK]
    if not ranked:
        return None
    worst = min(ranked, key=_STATUS_RANK.__getitem__)
    return DeliveryStatus.GREEN if worst == DeliveryStatus.COMPLETE else worst
