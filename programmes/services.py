"""Writes to programmes, milestones and the quarterly milestone cycle.

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged" (the demo
loader uses them).

The cycle's writes (`milestone_create`, `milestone_edit`, `milestone_plan_import`,
`milestone_update_save`, `…_submit`, `…_return`, `…_approve`, `…_reopen`, `reporting_cycle_save`,
`reminders_send`) are atomic, name who acted (kept in the history with the reason), and refuse a
stale version with `StaleEdit`: the row's `version` is moved on by a conditional UPDATE, so of
two people saving the same record the second is refused and the first's data stays. E-mails go
only after commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bury_hc.imports import (
    ImportProblem,
    ImportRefused,
    TableFile,
    TableRow,
    columns_missing,
    import_batch_record,
    table_read,
)
from bury_hc.jobs import job_send_on_commit
from bury_hc.models import FileUpload, ImportBatch
from bury_hc.periods import FinancialYear, Quarter
from bury_hc.services import Change, StaleEdit, m2m_ensure, record_upsert, version_claim
from plans.models import LocalityPlan, NeighbourhoodTeam, Objective, Organisation, Priority
from programmes import rules, selectors, tasks
from programmes.models import Milestone, MilestoneUpdate, Programme, ReminderSent, ReportingCycle

State = MilestoneUpdate.State


@transaction.atomic
def programme_upsert(
    *,
    slug: str,
    number: int,
    name: str,
    description: str = "",
    priorities: Iterable[Priority] = (),
    objectives: Iterable[Objective] = (),
    lead_organisation: Organisation | None = None,
    is_active: bool = True,
) -> tuple[Programme, Change]:
    """Create or update the programme with this slug; its priorities and objectives become
    exactly those given. Leads and approvers are left alone (see `programme_people_add`)."""
    programme, change = record_upsert(
        Programme,
        lookup={"slug": slug},
        values={
            "number": number,
            "name": name,
            "description": description,
            "lead_organisation": lead_organisation,
            "is_active": is_active,
        },
    )
    linked = m2m_ensure(programme, field="priorities", targets=priorities)
    linked |= m2m_ensure(programme, field="objectives", targets=objectives)
    return programme, ("updated" if linked and change == "unchanged" else change)


@transaction.atomic
def programme_people_add(
    *,
    programme: Programme,
    leads: Iterable[User] = (),
    approvers: Iterable[User] = (),
) -> Change:
    """Add people as the programme's leads and approvers, keeping anyone already there."""
    changed = m2m_ensure(programme, field="leads", targets=leads, exact=False)
    changed |= m2m_ensure(programme, field="approvers", targets=approvers, exact=False)
    return "updated" if changed else "unchanged"


@transaction.atomic
def milestone_upsert(
    *,
    programme: Programme,
    title: str,
    due_quarter: Quarter,
    description: str = "",
    source: str = "",
    start_quarter: Quarter | None = None,
    owner_name: str = "",
    neighbourhood: NeighbourhoodTeam | None = None,
    priorities: Iterable[Priority] = (),
) -> tuple[Milestone, Change]:
    """Create or update the programme's milestone with this title due in this quarter.

    Leaves the owner, version and updates alone: those belong to the quarterly workflow.
    """
    milestone, change = record_upsert(
        Milestone,
        lookup={"programme": programme, "title": title, "due_quarter": due_quarter},
        values={
            "description": description,
            "source": source,
            "start_quarter": start_quarter,
            "owner_name": owner_name,
            "neighbourhood": neighbourhood,
        },
    )
    linked = m2m_ensure(milestone, field="priorities", targets=priorities)
    return milestone, ("updated" if linked and change == "unchanged" else change)


# --- reporting cycles ------------------------------------------------------------------------


def reporting_cycle_upsert(
    *, quarter: Quarter, opens_on: dt.date, deadline: dt.date, is_open: bool = True
) -> tuple[ReportingCycle, Change]:
    """Create or update the cycle for `quarter` (the demo loader's door; idempotent)."""
    return record_upsert(
        ReportingCycle,
        lookup={"quarter": quarter},
        values={"opens_on": opens_on, "deadline": deadline, "is_open": is_open},
    )


@transaction.atomic
def reporting_cycle_save(
    *,
    quarter: Quarter,
    opens_on: dt.date,
    deadline: dt.date,
    is_open: bool,
    by: User,
    reason: str = "",
) -> ReportingCycle:
    """Set a quarter's cycle: when it opens, its deadline, and whether it is open. The change
    is kept in the cycle's history with who made it and `reason` (needed to reopen)."""
    cycle = ReportingCycle.objects.select_for_update().filter(quarter=quarter).first()
    cycle = cycle or ReportingCycle(quarter=quarter)
    cycle.opens_on, cycle.deadline, cycle.is_open = opens_on, deadline, is_open
    cycle.updated_by = by
    cycle._history_user = by
    cycle._change_reason = reason or None
    cycle.save()
    return cycle


# --- milestones ------------------------------------------------------------------------------


class TransitionRefused(Exception):
    """The update is not in a state that allows this; the message says why, for the user."""


@dataclass(frozen=True)
class MilestoneValues:
    """A milestone's editable values, as the milestone form cleans them."""

    title: str
    due_quarter: Quarter
    description: str = ""
    owner: User | None = None
    owner_name: str = ""
    start_quarter: Quarter | None = None
    due_date: dt.date | None = None
    neighbourhood: NeighbourhoodTeam | None = None
    priorities: tuple[Priority, ...] = ()
    objectives: tuple[Objective, ...] = ()


def _milestone_apply(
    milestone: Milestone, values: MilestoneValues, *, by: User, reason: str
) -> Milestone:
    """Write the values and links, recording one history entry for the whole change."""
    for name in (
        "title",
        "due_quarter",
        "description",
        "owner",
        "owner_name",
        "start_quarter",
        "due_date",
        "neighbourhood",
    ):
        setattr(milestone, name, getattr(values, name))
    milestone.skip_history_when_saving = True
    milestone.save()
    m2m_ensure(milestone, field="priorities", targets=values.priorities)
    m2m_ensure(milestone, field="objectives", targets=values.objectives)
    del milestone.skip_history_when_saving
    milestone._history_user = by
    milestone._change_reason = reason
    milestone.save()  # one history record, with the links as they now are
    return milestone


@transaction.atomic
def milestone_create(*, programme: Programme, values: MilestoneValues, by: User) -> Milestone:
    """Add a milestone to a programme, with its links; recorded in its history as created by
    `by`."""
    milestone = Milestone(programme=programme, source="Entered in the monitor")
    return _milestone_apply(milestone, values, by=by, reason="Created")


@transaction.atomic
def milestone_edit(
    *, milestone: Milestone, values: MilestoneValues, by: User, expected_version: int
) -> Milestone:
    """Change a milestone. Refuses (StaleEdit) if it was saved by someone else since
    `expected_version` was read; otherwise writes atomically with one history entry."""
    version_claim(Milestone, pk=milestone.pk, expected_version=expected_version)
    current = Milestone.objects.get(pk=milestone.pk)
    return _milestone_apply(current, values, by=by, reason="Edited")


# --- the milestone plan upload -----------------------------------------------------------------

PLAN_FILE_FORMAT = "milestone-plan"
PLAN_PRIORITY = "Priority"
PLAN_QUARTER_COLUMNS = {f"Key deliverables Q{number}": number for number in range(1, 5)}
PLAN_OWNER = "Owner"
PLAN_NEIGHBOURHOOD = "Neighbourhood team"
PLAN_PRIORITIES = "Locality plan priorities"
PLAN_OBJECTIVES = "Objectives"
PLAN_COLUMNS = [
    PLAN_PRIORITY,
    *PLAN_QUARTER_COLUMNS,
    PLAN_OWNER,
    PLAN_NEIGHBOURHOOD,
    PLAN_PRIORITIES,
    PLAN_OBJECTIVES,
]
PLAN_REQUIRED_COLUMNS = [PLAN_PRIORITY, *PLAN_QUARTER_COLUMNS]
PLAN_SOURCE = "Milestone plan upload"
# Both are CharFields, so both have a max_length.
_TITLE_MAX: int = Milestone._meta.get_field("title").max_length  # type: ignore[assignment]
_OWNER_NAME_MAX: int = Milestone._meta.get_field("owner_name").max_length  # type: ignore[assignment]
_BULLET = re.compile(r"^\s*(?:[-•*–·]|\d+[.)])\s+")


@dataclass(frozen=True)
class PlannedMilestone:
    """One deliverable of a checked plan file: the milestone it becomes."""

    row: int
    column: str
    values: MilestoneValues


@dataclass(frozen=True)
class PlanImportResult:
    batch: ImportBatch
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self, *, file_name: str) -> str:
        """What the upload did, as the lead is told it."""
        plural = "s" if self.created != 1 else ""
        return (
            f"{file_name} uploaded: {self.created} milestone{plural} added, "
            f"{self.updated} changed, {self.unchanged} already up to date"
        )


def _deliverables(cell: str) -> list[str]:
    """A cell's deliverables: one per line, bullets and numbering removed."""
    items = []
    for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        text = " ".join(_BULLET.sub("", line).split())
        if text:
            items.append(text)
    return items


def _numbers(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\s]+", text) if part.strip()]


def milestone_plan_check(
    *, content: bytes, file_name: str, programme: Programme, financial_year: FinancialYear
) -> list[PlannedMilestone]:
    """Read a year's milestone plan (the Corporate Plan's "key deliverables by quarter" shape:
    one row per priority, a column of deliverables for each quarter, one per line) and check
    every row. Returns the milestones it describes; raises ImportRefused listing every problem
    by row and column. Writes nothing."""
    table = table_read(content=content, file_name=file_name)
    problems = columns_missing(table, PLAN_REQUIRED_COLUMNS)
    if problems:
        raise ImportRefused(problems)
    if not len(table):
        raise ImportRefused([ImportProblem(None, None, "The file has no rows of deliverables.")])
    checker = _PlanChecker(table, financial_year=financial_year)
    planned = [milestone for row in table for milestone in checker.check(row)]
    if checker.problems:
        raise ImportRefused(checker.problems)
    return planned


class _PlanChecker:
    """Checks a plan's rows one by one against the people, teams, priorities and objectives
    known, remembering the deliverables already given."""

    def __init__(self, table: TableFile, *, financial_year: FinancialYear) -> None:
        self.headers = {name.lower(): name for name in table.headers}
        self.financial_year = financial_year
        users = get_user_model().objects.filter(is_active=True)
        self.by_login = {u.get_username().lower(): u for u in users} | {
            u.email.lower(): u for u in users if u.email
        }
        self.neighbourhoods = {team.name.lower(): team for team in NeighbourhoodTeam.objects.all()}
        plan = LocalityPlan.objects.filter(is_current=True).first()
        self.priorities = {str(p.number): p for p in (plan.priorities.all() if plan else [])}
        objectives = {str(o.number): o for o in (plan.objectives.all() if plan else [])}
        if plan is not None and not objectives:  # the current plan may keep earlier objectives
            latest = Objective.objects.order_by("-plan__endorsed_on", "number").first()
            if latest is not None:
                objectives = {str(o.number): o for o in latest.plan.objectives.all()}
        self.objectives = objectives
        self.seen: dict[tuple[str, Quarter], tuple[int, str]] = {}
        self.problems: list[ImportProblem] = []

    def cell(self, row: TableRow, column: str) -> str:
        return row.get(self.headers.get(column.lower(), column))

    def problem(self, row: TableRow, column: str | None, message: str) -> None:
        self.problems.append(ImportProblem(row.number, column, message))

    def check(self, row: TableRow) -> list[PlannedMilestone]:
        """The milestones the row plans (its problems added to `problems`)."""
        owner_text = self.cell(row, PLAN_OWNER)
        owner = self.by_login.get(owner_text.lower()) if owner_text else None
        owner_name = "" if owner or not owner_text else owner_text
        if len(owner_name) > _OWNER_NAME_MAX:
            self.problem(
                row, PLAN_OWNER, f"The owner's name is longer than {_OWNER_NAME_MAX} characters."
            )
        shared: dict[str, Any] = {
            "description": " ".join(self.cell(row, PLAN_PRIORITY).split()),
            "owner": owner,
            "owner_name": owner_name,
            "neighbourhood": self._neighbourhood(row),
            "priorities": self._linked(
                row, PLAN_PRIORITIES, self.priorities, "locality plan priority"
            ),
            "objectives": self._linked(row, PLAN_OBJECTIVES, self.objectives, "objective"),
        }
        planned, found = [], 0
        for column, number in PLAN_QUARTER_COLUMNS.items():
            quarter = Quarter(self.financial_year.start_year, number)
            for title in _deliverables(self.cell(row, column)):
                found += 1
                if self._deliverable_ok(row, column, title, quarter):
                    values = MilestoneValues(title=title, due_quarter=quarter, **shared)
                    planned.append(PlannedMilestone(row=row.number, column=column, values=values))
        if not found:
            self.problem(
                row,
                None,
                "The row has no deliverables: put each in the column of the quarter it is "
                "due, one per line, or delete the row.",
            )
        return planned

    def _neighbourhood(self, row: TableRow) -> NeighbourhoodTeam | None:
        text = self.cell(row, PLAN_NEIGHBOURHOOD)
        if not text:
            return None
        neighbourhood = self.neighbourhoods.get(text.lower())
        if neighbourhood is None:
            names = ", ".join(team.name for team in self.neighbourhoods.values())
            self.problem(
                row,
                PLAN_NEIGHBOURHOOD,
                f"“{text}” is not a neighbourhood team. Use one of: {names}, or leave it "
                "blank for borough-wide work.",
            )
        return neighbourhood

    def _linked(
        self, row: TableRow, column: str, known: dict[str, Any], what: str
    ) -> tuple[Any, ...]:
        linked = []
        for number in _numbers(self.cell(row, column)):
            if number in known:
                linked.append(known[number])
            else:
                self.problem(
                    row,
                    column,
                    f"“{number}” is not the number of a {what}: use "
                    f"{', '.join(sorted(known, key=int)) or 'none'} separated by commas.",
                )
        return tuple(linked)

    def _deliverable_ok(self, row: TableRow, column: str, title: str, quarter: Quarter) -> bool:
        if len(title) > _TITLE_MAX:
            self.problem(
                row,
                column,
                f"“{title[:40]}…” is longer than {_TITLE_MAX} characters: shorten it, and put "
                "the detail in the Priority column.",
            )
            return False
        key = (title.lower(), quarter)
        if key in self.seen:
            first_row, first_column = self.seen[key]
            self.problem(
                row,
                column,
                f"“{title}” is already listed in row {first_row}, column “{first_column}”: "
                "list each deliverable once a quarter.",
            )
            return False
        self.seen[key] = (row.number, column)
        return True


@transaction.atomic
def milestone_plan_import(
    *,
    content: bytes,
    file_name: str,
    programme: Programme,
    financial_year: FinancialYear,
    by: User,
) -> PlanImportResult:
    """Check a year's milestone plan and, only if every row is clean, create or update its
    milestones under one import batch, atomically. Raises ImportRefused (nothing written).

    Milestones are matched on programme, title and due quarter: a re-upload of the same file
    changes nothing; a changed row updates its milestone (which then points at the new batch);
    milestones missing from the file are left alone.
    """
    planned = milestone_plan_check(
        content=content, file_name=file_name, programme=programme, financial_year=financial_year
    )
    batch, _ = import_batch_record(
        kind=ImportBatch.Kind.MILESTONE_PLAN,
        file_name=file_name,
        content=content,
        file_format=PLAN_FILE_FORMAT,
        source=f"{programme.name} milestone plan {financial_year.label}",
        row_count=len(planned),
        imported_by=by,
    )
    existing = {
        (m.title.lower(), m.due_quarter): m
        for m in Milestone.objects.filter(
            programme=programme, due_quarter__in=list(financial_year.quarters)
        ).prefetch_related("priorities", "objectives")
    }
    counts: Counter[str] = Counter()
    for item in planned:
        values = item.values
        milestone = existing.get((values.title.lower(), values.due_quarter))
        if milestone is None:
            milestone = Milestone(programme=programme, source=PLAN_SOURCE, batch=batch)
            _milestone_apply(milestone, values, by=by, reason=f"Uploaded from {file_name}")
            counts["created"] += 1
            continue
        if _milestone_matches(milestone, values):
            counts["unchanged"] += 1
            continue
        # Anyone editing it in the browser now holds a stale version and will be refused.
        Milestone.objects.filter(pk=milestone.pk).update(version=F("version") + 1)
        milestone.refresh_from_db(fields=["version"])
        milestone.batch = batch
        _milestone_apply(milestone, values, by=by, reason=f"Updated from {file_name}")
        counts["updated"] += 1
    return PlanImportResult(
        batch=batch,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
    )


def milestone_plan_import_from_upload(upload: FileUpload, content: bytes) -> dict[str, str]:
    """`milestone_plan_import` for a file a worker reads (`bury_hc.uploads.file_upload_run`):
    the upload's parameters name the programme and year. Returns what to tell the lead, and
    the page to show them."""
    programme = Programme.objects.get(pk=upload.parameters["programme"])
    result = milestone_plan_import(
        content=content,
        file_name=upload.file_name,
        programme=programme,
        financial_year=FinancialYear.parse(upload.parameters["financial_year"]),
        by=upload.created_by,
    )
    return {
        "message": result.summary(file_name=upload.file_name),
        "next": reverse("programmes:detail", kwargs={"slug": programme.slug}),
    }


def _milestone_matches(milestone: Milestone, values: MilestoneValues) -> bool:
    return (
        milestone.title == values.title
        and milestone.description == values.description
        and milestone.owner_id == (values.owner.pk if values.owner else None)
        and milestone.owner_name == values.owner_name
        and milestone.neighbourhood_id
        == (values.neighbourhood.pk if values.neighbourhood else None)
        and {p.pk for p in milestone.priorities.all()} == {p.pk for p in values.priorities}
        and {o.pk for o in milestone.objectives.all()} == {o.pk for o in values.objectives}
    )


def milestone_plan_template_rows() -> list[list[str]]:
    """The template's example row, in the Corporate Plan's shape."""
    return [
        [
            "Implementation of the Adult Care White Paper",
            "Confirm the charging reform timetable",
            "Consult on the new charging policy",
            "Train staff in the new assessment process\nPublish the new charging policy",
            "Charging reform in place",
            "",
            "",
            "3",
            "",
        ]
    ]


# --- the quarterly update --------------------------------------------------------------------


def _suggested_status(milestone: Milestone, quarter: Quarter, progress_percent: int) -> str:
    return rules.milestone_status_suggest(
        start_quarter=milestone.start_quarter,
        due_quarter=milestone.due_quarter,
        due_date=milestone.due_date,
        quarter=quarter,
        progress_percent=progress_percent,
    ).status


@transaction.atomic
def milestone_update_save(
    *,
    milestone: Milestone,
    quarter: Quarter,
    by: User,
    expected_version: int | None,
    status: str,
    progress_percent: int,
    commentary: str = "",
    risks_and_issues: str = "",
    mitigations: str = "",
    next_steps: str = "",
    path_to_green: str = "",
    back_on_track_quarter: Quarter | None = None,
    override_reason: str = "",
) -> MilestoneUpdate:
    """Create the milestone's update for `quarter` (`expected_version` None) or change it
    (`expected_version` as read). Atomic; recorded in the update's history.

    Raises StaleEdit if someone else created or saved it first, and TransitionRefused if it is
    submitted or approved (locked). The values are assumed valid (the form checks the rules);
    the schedule's suggested status is worked out and stored beside the lead's judgement.
    """
    values = {
        "status": status,
        "progress_percent": progress_percent,
        "commentary": commentary,
        "risks_and_issues": risks_and_issues,
        "mitigations": mitigations,
        "next_steps": next_steps,
        "path_to_green": path_to_green,
        "back_on_track_quarter": back_on_track_quarter,
        "override_reason": override_reason,
        "suggested_status": _suggested_status(milestone, quarter, progress_percent),
    }
    if expected_version is None:
        existing = MilestoneUpdate.objects.filter(milestone=milestone, quarter=quarter).first()
        if existing is not None:
            raise StaleEdit(existing)
        update = MilestoneUpdate(milestone=milestone, quarter=quarter, created_by=by, **values)
        update._history_user = by
        update._change_reason = "Started"
        try:
            with transaction.atomic():
                update.save()
        except IntegrityError:  # someone else created it in the meantime
            raise StaleEdit(
                MilestoneUpdate.objects.filter(milestone=milestone, quarter=quarter).first()
            ) from None
        return update
    found = MilestoneUpdate.objects.filter(milestone=milestone, quarter=quarter).first()
    if found is None:
        raise StaleEdit(None)
    update = found
    version_claim(MilestoneUpdate, pk=update.pk, expected_version=expected_version)
    update.refresh_from_db()
    if not update.is_editable:
        raise TransitionRefused(
            f"This update is {update.get_state_display().lower()} and can no longer be changed."
        )
    for name, value in values.items():
        setattr(update, name, value)
    update._history_user = by
    update._change_reason = None
    update.save()
    return update


def _transition(
    update: MilestoneUpdate,
    *,
    by: User,
    expected_version: int,
    allowed_from: set[str],
    refusal: str,
) -> MilestoneUpdate:
    version_claim(MilestoneUpdate, pk=update.pk, expected_version=expected_version)
    current = MilestoneUpdate.objects.select_related("milestone").get(pk=update.pk)
    if current.state not in allowed_from:
        raise TransitionRefused(
            refusal.format(state=current.get_state_display().lower(), quarter=current.quarter)
        )
    current._history_user = by
    return current


@transaction.atomic
def milestone_update_submit(
    *, update: MilestoneUpdate, by: User, expected_version: int
) -> MilestoneUpdate:
    """Submit a draft or returned update for approval. Atomic; refuses a stale version
    (StaleEdit) or an update in another state (TransitionRefused). No e-mail: approvers get
    the daily digest."""
    current = _transition(
        update,
        by=by,
        expected_version=expected_version,
        allowed_from={State.DRAFT, State.RETURNED},
        refusal="This update is {state} and cannot be submitted.",
    )
    current.state = State.SUBMITTED
    current.submitted_by, current.submitted_at = by, timezone.now()
    current._change_reason = "Submitted for approval"
    current.save()
    return current


@transaction.atomic
def milestone_update_return(
    *, update: MilestoneUpdate, by: User, reason: str, expected_version: int
) -> MilestoneUpdate:
    """Send a submitted update back to its lead with a reason. Atomic; after commit the
    programme's leads get one e-mail saying so."""
    current = _transition(
        update,
        by=by,
        expected_version=expected_version,
        allowed_from={State.SUBMITTED},
        refusal="This update is {state}: only a submitted update can be returned.",
    )
    current.state = State.RETURNED
    current.returned_reason = reason
    current.decided_by, current.decided_at = by, timezone.now()
    current._change_reason = f"Returned: {reason}"
    current.save()
    job_send_on_commit(tasks.update_returned_notify.name, current.pk)
    return current


@transaction.atomic
def milestone_update_approve(
    *, update: MilestoneUpdate, by: User, expected_version: int
) -> MilestoneUpdate:
    """Approve a submitted update, which locks it. Atomic; no e-mail (by design)."""
    current = _transition(
        update,
        by=by,
        expected_version=expected_version,
        allowed_from={State.SUBMITTED},
        refusal="This update is {state}: only a submitted update can be approved.",
    )
    current.state = State.APPROVED
    current.decided_by, current.decided_at = by, timezone.now()
    current._change_reason = "Approved"
    current.save()
    return current


@transaction.atomic
def milestone_update_reopen(
    *, update: MilestoneUpdate, by: User, reason: str, expected_version: int
) -> MilestoneUpdate:
    """Unlock an approved update (back to draft) with a recorded reason: the performance
    team's door for corrections. Refuses if the quarter's cycle is closed."""
    current = _transition(
        update,
        by=by,
        expected_version=expected_version,
        allowed_from={State.APPROVED},
        refusal="This update is {state}: only an approved update can be reopened.",
    )
    if not ReportingCycle.objects.filter(quarter=current.quarter, is_open=True).exists():
        raise TransitionRefused(
            f"The {current.quarter.label} cycle is closed. Open it first, so that the lead "
            "can change the update."
        )
    current.state = State.DRAFT
    current.reopened_reason = reason
    current.reopened_by, current.reopened_at = by, timezone.now()
    current._change_reason = f"Reopened: {reason}"
    current.save()
    return current


# --- e-mails -------------------------------------------------------------------------------------


def _site_link(path: str) -> str:
    """An absolute link for an e-mail (SITE_URL: e-mails are sent with no request to hand)."""
    return f"{settings.SITE_URL}{path}"


def _email(*, template: str, to: list[str], context: dict[str, Any]) -> EmailMessage:
    context = {"service_name": "Bury locality plan monitor", **context}
    subject = render_to_string(f"emails/programmes/{template}_subject.txt", context)
    body = render_to_string(f"emails/programmes/{template}.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=to)


def milestone_update_returned_notify(*, update_id: int) -> int:
    """E-mail the programme's leads, and whoever submitted it, that an update was returned:
    one e-mail, to all of them. Returns how many addresses it went to (0 if none have one)."""
    update = MilestoneUpdate.objects.select_related(
        "milestone__programme", "decided_by", "submitted_by"
    ).get(pk=update_id)
    people = list(update.milestone.programme.leads.filter(is_active=True))
    if update.submitted_by and update.submitted_by not in people:
        people.append(update.submitted_by)
    to = sorted({person.email for person in people if person.email})
    if not to:
        return 0
    _email(
        template="update_returned",
        to=to,
        context={
            "update": update,
            "milestone": update.milestone,
            "by": update.decided_by,
            "link": _site_link(
                reverse(
                    "programmes:update_edit",
                    kwargs={"pk": update.milestone_id, "quarter": update.quarter.code},
                )
            ),
        },
    ).send()
    return len(to)


# --- reminders -------------------------------------------------------------------------------

REMINDER_DAYS_BEFORE = (7, 2)
OVERDUE_REMINDER_EVERY = 7  # days: the day after the deadline, then weekly while overdue


@dataclass(frozen=True)
class ReminderSend:
    username: str
    kind: str
    quarters: tuple[Quarter, ...]
    items: int


def _lead_reminder_kind(cycle: ReportingCycle, today: dt.date) -> str | None:
    days_left = (cycle.deadline - today).days
    if days_left in REMINDER_DAYS_BEFORE:
        return ReminderSent.Kind.LEAD_DUE_SOON
    if days_left < 0 and (-days_left - 1) % OVERDUE_REMINDER_EVERY == 0:
        return ReminderSent.Kind.LEAD_OVERDUE
    return None


def _record_sends(
    user: Any, kind: str, quarters: list[Quarter], counts: list[int], today: dt.date
) -> list[Quarter]:
    """Record the sends not already recorded today; return the quarters newly recorded."""
    recorded = []
    for quarter, count in zip(quarters, counts, strict=True):
        _, created = ReminderSent.objects.get_or_create(
            user=user, quarter=quarter, kind=kind, sent_on=today, defaults={"item_count": count}
        )
        if created:
            recorded.append(quarter)
    return recorded


@transaction.atomic(durable=True)
def reminders_send(*, today: dt.date) -> list[ReminderSend]:
    """The daily reminder run, for every open cycle.

    - Each lead with updates not yet submitted gets one digest 7 and 2 days before the
      deadline, the day after it and weekly while they stay overdue. Nobody whose updates are
      all submitted hears anything.
    - Each approver with submitted updates awaiting them gets one digest, on a day when
      something has been submitted since their last digest.

    Idempotent per day: every send is recorded (`ReminderSent`, unique per person, quarter,
    kind and day) and a recorded send is not repeated. E-mails go after commit.
    """
    cycles = [c for c in selectors.open_cycles() if c.opens_on <= today]
    lead_digests: dict[Any, list[tuple[ReportingCycle, str, list[Any]]]] = defaultdict(list)
    approver_digests: dict[Any, list[tuple[ReportingCycle, list[MilestoneUpdate]]]] = defaultdict(
        list
    )
    for cycle in cycles:
        kind = _lead_reminder_kind(cycle, today)
        if kind is not None:
            for lead, items in selectors.outstanding_by_lead(quarter=cycle.quarter).items():
                lead_digests[lead].append((cycle, kind, items))
        for approver, updates in selectors.awaiting_by_approver(quarter=cycle.quarter).items():
            approver_digests[approver].append((cycle, updates))

    digests = [
        *(_lead_digest(lead, sections, today) for lead, sections in lead_digests.items()),
        *(
            _approver_digest(approver, sections, today)
            for approver, sections in approver_digests.items()
        ),
    ]
    messages = [digest[0] for digest in digests if digest is not None]
    sends = [digest[1] for digest in digests if digest is not None]
    if messages:
        transaction.on_commit(partial(_messages_send, messages))
    return sends


def _lead_digest(
    lead: Any, sections: list[tuple[ReportingCycle, str, list[Any]]], today: dt.date
) -> tuple[EmailMessage, ReminderSend] | None:
    """A lead's digest of the cycles whose reminder is due today and not yet sent; None if
    there is none."""
    fresh: list[dict[str, Any]] = []
    for cycle, kind, items in sections:
        if _record_sends(lead, kind, [cycle.quarter], [len(items)], today):
            fresh.append({"cycle": cycle, "kind": kind, "items": items})
    if not fresh:
        return None
    overdue = any(s["kind"] == ReminderSent.Kind.LEAD_OVERDUE for s in fresh)
    message = _email(
        template="lead_digest",
        to=[lead.email],
        context={
            "person": lead,
            "sections": [{**s, "days_left": (s["cycle"].deadline - today).days} for s in fresh],
            "overdue": overdue,
            "link": _site_link(reverse("programmes:updates")),
        },
    )
    return message, ReminderSend(
        lead.get_username(),
        ReminderSent.Kind.LEAD_OVERDUE if overdue else ReminderSent.Kind.LEAD_DUE_SOON,
        tuple(s["cycle"].quarter for s in fresh),
        sum(len(s["items"]) for s in fresh),
    )


def _approver_digest(
    approver: Any, sections: list[tuple[ReportingCycle, list[MilestoneUpdate]]], today: dt.date
) -> tuple[EmailMessage, ReminderSend] | None:
    """An approver's digest of the updates awaiting them, if something was submitted since
    their last one and today's is not yet sent; None otherwise."""
    kind = ReminderSent.Kind.APPROVER_DIGEST
    last = (
        ReminderSent.objects.filter(user=approver, kind=kind)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if last is not None and not any(
        # Updates awaiting approval were submitted: submitted_at is set.
        update.submitted_at > last  # type: ignore[operator]
        for _, updates in sections
        for update in updates
    ):
        return None  # nothing new since their last digest
    quarters = [cycle.quarter for cycle, _ in sections]
    if not _record_sends(approver, kind, quarters, [len(u) for _, u in sections], today):
        return None
    message = _email(
        template="approver_digest",
        to=[approver.email],
        context={
            "person": approver,
            "sections": [{"cycle": c, "updates": u} for c, u in sections],
            "link": _site_link(reverse("programmes:updates")),
        },
    )
    return message, ReminderSend(
        approver.get_username(), kind, tuple(quarters), sum(len(u) for _, u in sections)
    )


def _messages_send(messages: list[EmailMessage]) -> None:
    with get_connection() as connection:
        connection.send_messages(messages)
