"""Reads of programmes, milestones and the quarterly milestone cycle, shaped for the pages.

Selectors never write. The page selectors (`programme_page`, `completeness`, `lead_worklist`,
`milestone_page`) run a fixed number of queries however many milestones there are; each has a
query-count test.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from bury_hc.periods import Quarter, current_quarter
from bury_hc.roles import Role, user_roles
from plans.models import NeighbourhoodTeam, Objective, Priority
from programmes import rules
from programmes.models import (
    DeliveryStatus,
    Milestone,
    MilestoneUpdate,
    Programme,
    ReportingCycle,
)

State = MilestoneUpdate.State


def programmes_for_overview() -> QuerySet[Programme]:
    """Active programmes with their priorities, leads and milestone counts, in number order."""
    return (
        Programme.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("priorities", queryset=Priority.objects.order_by("number")), "leads"
        )
        .annotate(milestone_count=Count("milestones", filter=Q(milestones__is_active=True)))
        .order_by("number")
    )


# --- reporting cycles --------------------------------------------------------------------------


def reporting_cycles() -> QuerySet[ReportingCycle]:
    """Every quarter's cycle, newest first."""
    return ReportingCycle.objects.select_related("updated_by").order_by("-quarter")


def open_cycles() -> list[ReportingCycle]:
    """The cycles leads can enter updates for, newest first."""
    return list(ReportingCycle.objects.filter(is_open=True).order_by("-quarter"))


def cycle_for(*, quarter: Quarter) -> ReportingCycle | None:
    return ReportingCycle.objects.filter(quarter=quarter).first()


def default_quarter(*, today: dt.date | None = None) -> Quarter:
    """The quarter pages show unless asked for another: the newest open cycle, else the newest
    cycle, else the quarter before today's (the one being reported on)."""
    cycle = (
        ReportingCycle.objects.order_by("-is_open", "-quarter").values_list("quarter", flat=True)
    ).first()
    return cycle or current_quarter(today).previous()


def cycle_quarters() -> list[Quarter]:
    return list(ReportingCycle.objects.order_by("-quarter").values_list("quarter", flat=True))


# --- which milestones report in a quarter -------------------------------------------------------


def in_cycle_condition(quarter: Quarter) -> Q:
    """The milestones that report in `quarter`.

    A milestone reports from its start quarter (or, with none, the first quarter of the year it
    is due in) to its due quarter; after that only if it has reported before and was never
    approved as complete, so late work stays in view. A milestone approved as complete stops
    reporting.
    """
    scheduled = Q(due_quarter__gte=quarter) & (
        Q(start_quarter__isnull=False, start_quarter__lte=quarter)
        | Q(start_quarter__isnull=True, due_quarter__lte=Quarter(quarter.start_year, 4))
    )
    earlier = MilestoneUpdate.objects.filter(milestone=OuterRef("pk"), quarter__lt=quarter)
    completed = earlier.filter(state=State.APPROVED, status=DeliveryStatus.COMPLETE)
    late = Q(due_quarter__lt=quarter) & Exists(earlier)
    return Q(is_active=True) & (scheduled | late) & ~Exists(completed)


def milestones_in_cycle(*, quarter: Quarter) -> QuerySet[Milestone]:
    return Milestone.objects.filter(in_cycle_condition(quarter))


# --- who someone is for a programme --------------------------------------------------------------


def actor_for(*, user: AbstractBaseUser, programme: Programme) -> rules.Actor:
    """Whether `user` leads, approves or runs the cycle for `programme` (two small queries).

    A lead is a person with the Programme lead role named among the programme's leads; an
    approver is named among its approvers (or is a superuser); the performance team is the
    Performance analyst role.
    """
    roles = user_roles(user)
    return rules.Actor(
        is_lead=Role.PROGRAMME_LEAD in roles and programme.leads.filter(pk=user.pk).exists(),
        is_performance_team=Role.PERFORMANCE_ANALYST in roles,
        is_approver=user.is_superuser or programme.approvers.filter(pk=user.pk).exists(),
    )


def update_for(*, milestone: Milestone, quarter: Quarter) -> MilestoneUpdate | None:
    return (
        MilestoneUpdate.objects.select_related(
            "submitted_by", "decided_by", "reopened_by", "created_by"
        )
        .filter(milestone=milestone, quarter=quarter)
        .first()
    )


def previous_status(*, milestone: Milestone, quarter: Quarter) -> str | None:
    """The status reported for the quarter before `quarter`, if there was an update."""
    return (
        MilestoneUpdate.objects.filter(milestone=milestone, quarter=quarter.previous())
        .values_list("status", flat=True)
        .first()
    )


# --- the programme page ------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    update: MilestoneUpdate | None
    previous: MilestoneUpdate | None
    latest: MilestoneUpdate | None
    trend: rules.TrendWords


@dataclass(frozen=True)
class ProgrammePage:
    programme: Programme
    quarter: Quarter
    cycle: ReportingCycle | None
    rows: list[MilestoneRow]
    other_milestones: list[MilestoneRow]
    counts: list[StatusCount]
    quarters: list[Quarter]

    @property
    def reporting_count(self) -> int:
        return len(self.rows)


NO_UPDATE = "no_update"


def status_counts(statuses: Iterable[str | None]) -> list[StatusCount]:
    """How many of each delivery status, in the status order, with "No update yet" last."""
    counter = Counter(status or NO_UPDATE for status in statuses)
    counts = [
        StatusCount(status.value, status.label, counter[status.value]) for status in DeliveryStatus
    ]
    counts.append(StatusCount(NO_UPDATE, "No update yet", counter[NO_UPDATE]))
    return counts


def programme_page(*, slug: str, quarter: Quarter) -> ProgrammePage:
    """A programme, its milestones reporting in `quarter` with this quarter's and last
    quarter's status and the trend, its other milestones with their latest status, and the
    counts by status. Raises Programme.DoesNotExist. Eight queries, whatever the size."""
    updates = MilestoneUpdate.objects.order_by("quarter")
    milestones = (
        Milestone.objects.filter(is_active=True)
        .select_related("neighbourhood", "owner")
        .annotate(in_cycle=ExpressionWrapper(in_cycle_condition(quarter), BooleanField()))
        .prefetch_related(Prefetch("updates", queryset=updates, to_attr="all_updates"))
        .order_by("due_quarter", "title")
    )
    programme = Programme.objects.prefetch_related(
        Prefetch("priorities", queryset=Priority.objects.order_by("number")),
        "objectives",
        "leads",
        "approvers",
        Prefetch("milestones", queryset=milestones, to_attr="active_milestones"),
    ).get(slug=slug, is_active=True)
    rows, others = [], []
    for milestone in programme.active_milestones:
        by_quarter = {update.quarter: update for update in milestone.all_updates}
        update = by_quarter.get(quarter)
        previous = by_quarter.get(quarter.previous())
        row = MilestoneRow(
            milestone=milestone,
            update=update,
            previous=previous,
            latest=milestone.all_updates[-1] if milestone.all_updates else None,
            trend=rules.trend_between(
                current=update.status if update else None,
                previous=previous.status if previous else None,
            ),
        )
        (rows if milestone.in_cycle else others).append(row)
    return ProgrammePage(
        programme=programme,
        quarter=quarter,
        cycle=ReportingCycle.objects.filter(quarter=quarter).first(),
        rows=rows,
        other_milestones=others,
        counts=status_counts(row.update.status if row.update else None for row in rows),
        quarters=cycle_quarters(),
    )


# --- the milestone page and its audit trail ------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditEntry:
    when: dt.datetime
    who: str
    subject: str
    action: str
    reason: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class MilestonePage:
    milestone: Milestone
    updates: list[MilestoneUpdate]
    audit_trail: list[AuditEntry]


AUDIT_SKIPPED_FIELDS = {"id", "version", "updated_at", "milestone"}
BLANK = "(blank)"


def milestone_page(*, pk: int) -> MilestonePage:
    """A milestone with its updates in every quarter (newest first) and its full audit trail,
    in a fixed number of queries. Raises Milestone.DoesNotExist."""
    milestone = (
        Milestone.objects.select_related("programme", "owner", "neighbourhood", "batch")
        .prefetch_related("priorities", "objectives")
        .get(pk=pk)
    )
    updates = list(
        MilestoneUpdate.objects.filter(milestone=milestone)
        .select_related("submitted_by", "decided_by", "reopened_by")
        .order_by("-quarter")
    )
    return MilestonePage(
        milestone=milestone, updates=updates, audit_trail=milestone_audit_trail(milestone=milestone)
    )


def milestone_audit_trail(*, milestone: Milestone) -> list[AuditEntry]:
    """Every recorded change to the milestone and its updates, newest first: who, when, why,
    and each field's value before and after. Eight queries, however long the history."""
    milestone_records = list(
        Milestone.history.filter(id=milestone.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    update_records = list(
        MilestoneUpdate.history.filter(milestone_id=milestone.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    links = _historical_links([record.history_id for record in milestone_records])
    names = _ReferenceNames(
        milestone_records,
        update_records,
        links=links,
        programmes={milestone.programme_id: milestone.programme.name},
    )
    entries = _audit_entries(
        milestone_records, subject=lambda record: "Milestone", names=names, links=links
    )
    entries += _audit_entries(
        update_records,
        subject=lambda record: f"Update for {record.quarter.label}",
        names=names,
    )
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


# The milestone's many-to-many links as simple-history keeps them: one table per link, a row per
# linked item per historical record.
_HISTORICAL_LINKS = {
    "priorities": ("HistoricalMilestone_priorities", "priority_id"),
    "objectives": ("HistoricalMilestone_objectives", "objective_id"),
}


def _historical_links(history_ids: list[int]) -> dict[str, dict[int, set[int]]]:
    """Link name → historical record id → the ids linked at that point (one query each)."""
    links: dict[str, dict[int, set[int]]] = {}
    for name, (model_name, id_attr) in _HISTORICAL_LINKS.items():
        model = apps.get_model("programmes", model_name)
        grouped: dict[int, set[int]] = defaultdict(set)
        for history_id, target in model.objects.filter(history_id__in=history_ids).values_list(
            "history_id", id_attr
        ):
            grouped[history_id].add(target)
        links[name] = grouped
    return links


USER_FIELDS = ("owner", "created_by", "submitted_by", "decided_by", "reopened_by")


class _ReferenceNames:
    """Display names for the ids that historical records hold, fetched in a few queries."""

    def __init__(
        self,
        *record_lists: list[Any],
        links: dict[str, dict[int, set[int]]],
        programmes: dict[int, str],
    ) -> None:
        self.programmes = programmes
        user_ids, neighbourhood_ids = set(), set()
        for records in record_lists:
            for record in records:
                for name in USER_FIELDS:
                    if getattr(record, f"{name}_id", None):
                        user_ids.add(getattr(record, f"{name}_id"))
                if getattr(record, "neighbourhood_id", None):
                    neighbourhood_ids.add(record.neighbourhood_id)
        linked = {
            name: set().union(*by_record.values()) if by_record else set()
            for name, by_record in links.items()
        }
        users = get_user_model().objects.filter(pk__in=user_ids) if user_ids else []
        self.users = {user.pk: user.get_full_name() or user.get_username() for user in users}
        self.neighbourhoods = dict(
            NeighbourhoodTeam.objects.filter(pk__in=neighbourhood_ids).values_list("pk", "name")
            if neighbourhood_ids
            else []
        )
        self.links = {
            "priorities": {
                p.pk: str(p) for p in Priority.objects.filter(pk__in=linked["priorities"])
            }
            if linked["priorities"]
            else {},
            "objectives": {
                o.pk: str(o) for o in Objective.objects.filter(pk__in=linked["objectives"])
            }
            if linked["objectives"]
            else {},
        }

    def user(self, pk: int | None) -> str:
        return self.users.get(pk, f"user {pk}") if pk else BLANK


def _display(record_model: type[Model], name: str, value: Any, names: _ReferenceNames) -> str:
    if value in (None, ""):
        return BLANK
    model_field = record_model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if name in USER_FIELDS:
        return names.user(value)
    if name == "neighbourhood":
        return names.neighbourhoods.get(value, str(value))
    if name == "programme":
        return names.programmes.get(value, f"programme {value}")
    if name == "batch":
        return f"import batch {value}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Quarter):
        return value.label
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%-d %B %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    return str(value)


def _audit_entries(
    records: list[Any],
    *,
    subject: Any,
    names: _ReferenceNames,
    links: dict[str, dict[int, set[int]]] | None = None,
) -> list[AuditEntry]:
    links = links or {}
    if not records:
        return []
    instance_model = records[0].instance_type
    fields = [
        f
        for f in instance_model._meta.concrete_fields
        if f.name not in AUDIT_SKIPPED_FIELDS and f.editable
    ]
    entries = []
    previous_by_object: dict[int, Any] = {}
    for record in records:
        before = previous_by_object.get(record.id)
        changes = []
        for model_field in fields:
            old = getattr(before, model_field.attname) if before is not None else None
            new = getattr(record, model_field.attname)
            if old == new or (before is None and new in (None, "")):
                continue
            label = str(model_field.verbose_name)
            changes.append(
                FieldChange(
                    field=model_field.name,
                    label=label[:1].upper() + label[1:],
                    before=_display(instance_model, model_field.name, old, names),
                    after=_display(instance_model, model_field.name, new, names),
                )
            )
        for name, by_record in links.items():
            old_ids = by_record.get(before.history_id, set()) if before is not None else set()
            new_ids = by_record.get(record.history_id, set())
            if old_ids != new_ids:
                shown = names.links[name]
                changes.append(
                    FieldChange(
                        field=name,
                        label=name.capitalize(),
                        before="; ".join(sorted(shown.get(pk, str(pk)) for pk in old_ids)) or BLANK,
                        after="; ".join(sorted(shown.get(pk, str(pk)) for pk in new_ids)) or BLANK,
                    )
                )
        previous_by_object[record.id] = record
        if before is not None and not changes and not record.history_change_reason:
            continue  # a save that changed nothing shown here (the version counter only)
        user = record.history_user
        entries.append(
            AuditEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else "The system",
                subject=subject(record),
                action=(
                    "Created"
                    if before is None
                    else "Deleted"
                    if record.history_type == "-"
                    else "Changed"
                ),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


# --- the completeness page ---------------------------------------------------------------------

OVERDUE = "overdue"
NOT_STARTED = "not_started"
COMPLETENESS_STATES = [
    (NOT_STARTED, "Not started"),
    (State.DRAFT.value, State.DRAFT.label),
    (State.RETURNED.value, State.RETURNED.label),
    (State.SUBMITTED.value, State.SUBMITTED.label),
    (State.APPROVED.value, State.APPROVED.label),
    (OVERDUE, "Overdue"),
]
NOT_YET_SUBMITTED = {NOT_STARTED, State.DRAFT.value, State.RETURNED.value}


@dataclass(frozen=True)
class CompletenessRow:
    programme: Programme
    milestone: Milestone
    update: MilestoneUpdate | None
    state: str
    overdue: bool

    @property
    def state_label(self) -> str:
        return dict(COMPLETENESS_STATES)[self.state]


@dataclass(frozen=True)
class Completeness:
    quarter: Quarter
    cycle: ReportingCycle | None
    rows: list[CompletenessRow]
    counts: list[tuple[str, str, int]]
    total: int
    programmes: list[Programme]
    programme: Programme | None
    state: str | None


def completeness(
    *, quarter: Quarter, today: dt.date, programme_slug: str | None = None, state: str | None = None
) -> Completeness:
    """Every milestone reporting in `quarter` with its update's state (not started, draft,
    returned, submitted, approved) and whether it is overdue (not submitted and the deadline
    has passed), for one programme or all, with counts by state. Three queries."""
    cycle = ReportingCycle.objects.filter(quarter=quarter).first()
    programmes = list(Programme.objects.filter(is_active=True).order_by("number"))
    chosen = next((p for p in programmes if p.slug == programme_slug), None)
    milestones = (
        milestones_in_cycle(quarter=quarter)
        .filter(programme__is_active=True)
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=MilestoneUpdate.objects.filter(quarter=quarter),
                to_attr="quarter_updates",
            )
        )
        .order_by("programme__number", "due_quarter", "title")
    )
    if chosen is not None:
        milestones = milestones.filter(programme=chosen)
    by_pk = {p.pk: p for p in programmes}
    deadline_passed = cycle is not None and today > cycle.deadline
    rows = []
    for milestone in milestones:
        update = milestone.quarter_updates[0] if milestone.quarter_updates else None
        row_state = update.state if update else NOT_STARTED
        rows.append(
            CompletenessRow(
                programme=by_pk[milestone.programme_id],
                milestone=milestone,
                update=update,
                state=row_state,
                overdue=deadline_passed and row_state in NOT_YET_SUBMITTED,
            )
        )
    counter = Counter(row.state for row in rows)
    counter[OVERDUE] = sum(row.overdue for row in rows)
    counts = [(key, label, counter[key]) for key, label in COMPLETENESS_STATES]
    if state == OVERDUE:
        shown = [row for row in rows if row.overdue]
    elif state:
        shown = [row for row in rows if row.state == state]
    else:
        shown = rows
    return Completeness(
        quarter=quarter,
        cycle=cycle,
        rows=shown,
        counts=counts,
        total=len(rows),
        programmes=programmes,
        programme=chosen,
        state=state,
    )


# --- a person's own work: updates to enter, updates to decide -----------------------------------


@dataclass(frozen=True)
class WorkItem:
    milestone: Milestone
    update: MilestoneUpdate | None

    @property
    def state(self) -> str:
        return self.update.state if self.update else NOT_STARTED


@dataclass(frozen=True)
class Worklist:
    cycle: ReportingCycle
    to_enter: dict[Programme, list[WorkItem]] = field(default_factory=dict)

    @property
    def outstanding(self) -> int:
        return sum(
            item.state in NOT_YET_SUBMITTED for items in self.to_enter.values() for item in items
        )


def lead_worklists(*, user: AbstractBaseUser) -> list[Worklist]:
    """For each open cycle, the milestones of the programmes `user` leads (all programmes for
    the performance team) that report in it, with their update. Queries: 1 + 3 per open cycle."""
    worklists = []
    everything = Role.PERFORMANCE_ANALYST in user_roles(user)
    for cycle in open_cycles():
        milestones = milestones_in_cycle(quarter=cycle.quarter).filter(programme__is_active=True)
        if not everything:
            milestones = milestones.filter(programme__leads=user)
        milestones = (
            milestones.select_related("programme")
            .prefetch_related(
                Prefetch(
                    "updates",
                    queryset=MilestoneUpdate.objects.filter(quarter=cycle.quarter),
                    to_attr="quarter_updates",
                )
            )
            .order_by("programme__number", "due_quarter", "title")
        )
        grouped: dict[Programme, list[WorkItem]] = defaultdict(list)
        for milestone in milestones:
            update = milestone.quarter_updates[0] if milestone.quarter_updates else None
            grouped[milestone.programme].append(WorkItem(milestone, update))
        worklists.append(Worklist(cycle=cycle, to_enter=dict(grouped)))
    return worklists


def awaiting_decision(*, user: AbstractBaseUser) -> list[MilestoneUpdate]:
    """Submitted updates in the programmes `user` approves, oldest submission first."""
    updates = MilestoneUpdate.objects.filter(state=State.SUBMITTED)
    if not user.is_superuser:
        updates = updates.filter(milestone__programme__approvers=user)
    return list(
        updates.select_related("milestone__programme", "submitted_by").order_by(
            "submitted_at", "pk"
        )
    )


# --- what the reminders need ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outstanding:
    """A milestone whose update for the quarter is not yet submitted."""

    milestone: Milestone
    programme: Programme
    state: str


def outstanding_by_lead(*, quarter: Quarter) -> dict[Any, list[Outstanding]]:
    """Each lead (with an e-mail address) → the milestones in their programmes whose update
    for `quarter` is not started, a draft or returned. Leads with nothing outstanding are
    absent. Three queries."""
    milestones = (
        milestones_in_cycle(quarter=quarter)
        .filter(programme__is_active=True)
        .exclude(
            Exists(
                MilestoneUpdate.objects.filter(
                    milestone=OuterRef("pk"),
                    quarter=quarter,
                    state__in=[State.SUBMITTED, State.APPROVED],
                )
            )
        )
        .select_related("programme")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=MilestoneUpdate.objects.filter(quarter=quarter),
                to_attr="quarter_updates",
            ),
        )
        .order_by("programme__number", "due_quarter", "title")
    )
    milestones = list(milestones)
    leads_by_programme: dict[int, list[Any]] = defaultdict(list)
    through = Programme.leads.through.objects.filter(
        programme_id__in={m.programme_id for m in milestones},
        user__is_active=True,
        user__groups__name=Role.PROGRAMME_LEAD.value,
    ).select_related("user")
    for link in through:
        leads_by_programme[link.programme_id].append(link.user)
    result: dict[Any, list[Outstanding]] = defaultdict(list)
    for milestone in milestones:
        update = milestone.quarter_updates[0] if milestone.quarter_updates else None
        for lead in leads_by_programme[milestone.programme_id]:
            if lead.email:
                result[lead].append(
                    Outstanding(
                        milestone, milestone.programme, update.state if update else NOT_STARTED
                    )
                )
    return dict(result)


def awaiting_by_approver(*, quarter: Quarter) -> dict[Any, list[MilestoneUpdate]]:
    """Each approver (with an e-mail address) → the submitted updates for `quarter` in the
    programmes they approve. Two queries."""
    updates = list(
        MilestoneUpdate.objects.filter(quarter=quarter, state=State.SUBMITTED)
        .select_related("milestone__programme", "submitted_by")
        .order_by("milestone__programme__number", "submitted_at")
    )
    approvers_by_programme: dict[int, list[Any]] = defaultdict(list)
    through = Programme.approvers.through.objects.filter(
        programme_id__in={u.milestone.programme_id for u in updates}, user__is_active=True
    ).select_related("user")
    for link in through:
        approvers_by_programme[link.programme_id].append(link.user)
    result: dict[Any, list[MilestoneUpdate]] = defaultdict(list)
    for update in updates:
        for approver in approvers_by_programme[update.milestone.programme_id]:
            if approver.email:
                result[approver].append(update)
    return dict(result)


# --- the Board's overview -------------------------------------------------------------------------

REPORTED_STATES = (State.SUBMITTED, State.APPROVED)  # what the Board sees: no drafts


@dataclass(frozen=True)
class ProgrammeGridRow:
    """One programme on the Board's overview: its RAG this and last quarter, its milestones
    reporting this quarter counted by status."""

    programme: Programme
    status: str | None
    previous_status: str | None
    counts: list[StatusCount]

    @property
    def status_label(self) -> str:
        return DeliveryStatus(self.status).label if self.status else "No updates"

    @property
    def previous_status_label(self) -> str:
        return DeliveryStatus(self.previous_status).label if self.previous_status else "No updates"

    @property
    def milestone_count(self) -> int:
        return sum(count.count for count in self.counts)


@dataclass(frozen=True)
class MilestoneException:
    """A milestone reported Amber or Red this quarter, with its path back to green."""

    update: MilestoneUpdate
    milestone: Milestone
    programme: Programme


@dataclass(frozen=True)
class ProgrammeGrid:
    quarter: Quarter
    rows: list[ProgrammeGridRow]
    exceptions: list[MilestoneException]


def programme_grid(*, quarter: Quarter, neighbourhood_slug: str | None = None) -> ProgrammeGrid:
    """Every active programme with its RAG for `quarter` and the quarter before (the worst
    submitted or approved milestone status, `rules.programme_status`), its milestones reporting
    in `quarter` counted by status, and the Red and Amber milestones with their path to green.
    Optionally only the milestones of one neighbourhood team. Three queries, whatever the
    number of programmes and milestones."""
    programmes = list(Programme.objects.filter(is_active=True).order_by("number"))
    milestones = milestones_in_cycle(quarter=quarter).filter(programme__is_active=True)
    updates = MilestoneUpdate.objects.filter(
        quarter__in=[quarter, quarter.previous()],
        state__in=REPORTED_STATES,
        milestone__is_active=True,
    )
    if neighbourhood_slug:
        milestones = milestones.filter(neighbourhood__slug=neighbourhood_slug)
        updates = updates.filter(milestone__neighbourhood__slug=neighbourhood_slug)
    reporting = defaultdict(list)
    for milestone_id, programme_id in milestones.values_list("pk", "programme_id"):
        reporting[programme_id].append(milestone_id)
    this_quarter: dict[int, MilestoneUpdate] = {}
    statuses: dict[tuple[int, Quarter], list[str]] = defaultdict(list)
    for update in updates.select_related("milestone").order_by("milestone__title"):
        statuses[(update.milestone.programme_id, update.quarter)].append(update.status)
        if update.quarter == quarter:
            this_quarter[update.milestone_id] = update
    rows = [
        ProgrammeGridRow(
            programme=programme,
            status=rules.programme_status(statuses[(programme.pk, quarter)]),
            previous_status=rules.programme_status(statuses[(programme.pk, quarter.previous())]),
            counts=status_counts(
                this_quarter[pk].status if pk in this_quarter else None
                for pk in reporting[programme.pk]
            ),
        )
        for programme in programmes
    ]
    by_pk = {programme.pk: programme for programme in programmes}
    exceptions = sorted(
        (
            MilestoneException(update, update.milestone, by_pk[update.milestone.programme_id])
            for update in this_quarter.values()
            if update.status in (DeliveryStatus.RED, DeliveryStatus.AMBER)
            and update.milestone.programme_id in by_pk
        ),
        key=lambda item: (item.update.status != DeliveryStatus.RED, item.programme.number),
    )
    return ProgrammeGrid(quarter=quarter, rows=rows, exceptions=exceptions)
