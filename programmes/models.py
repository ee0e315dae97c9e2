"""The ten programmes of work, their milestones, and the quarterly updates leads give on them.

A milestone's status is a judgement by its lead (suggested from the schedule, overridable); it
is never mixed with a measure's calculated status. Every change to a milestone or an update is
kept by django-simple-history (`history`), with who made it and, for decisions, why.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from bury_hc.fields import QuarterField

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Programme(models.Model):
    """A programme of work reporting to the Integrated Delivery Collaborative Board."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="led_programmes",
        help_text="People who enter the quarterly updates.",
    )
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="approved_programmes",
        help_text="Senior responsible officer or performance team members who sign updates off.",
    )
    lead_organisation = models.ForeignKey(
        "plans.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priorities = models.ManyToManyField("plans.Priority", blank=True, related_name="programmes")
    objectives = models.ManyToManyField("plans.Objective", blank=True, related_name="programmes")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    """A lead's judgement of a milestone's delivery, shown as words and colour together."""

    NOT_STARTED = "not_started", "Not started"
    GREEN = "green", "On track (green)"
    AMBER = "amber", "At risk (amber)"
    RED = "red", "Off track (red)"
    COMPLETE = "complete", "Complete"


class Milestone(models.Model):
    """Something a programme has committed to deliver by a quarter."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_milestones",
    )
    owner_name = models.CharField(
        max_length=120, blank=True, help_text="Who delivers it, where they have no account."
    )
    start_quarter = QuarterField(null=True, blank=True)
    due_quarter = QuarterField()
    due_date = models.DateField(null=True, blank=True)
    priorities = models.ManyToManyField("plans.Priority", blank=True, related_name="milestones")
    objectives = models.ManyToManyField("plans.Objective", blank=True, related_name="milestones")
    neighbourhood = models.ForeignKey(
        "plans.NeighbourhoodTeam",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestones",
    )
    source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the milestone was set, e.g. Corporate Plan 2022-23.",
    )
    batch = models.ForeignKey(
        "bury_hc.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords(
        m2m_fields=["priorities", "objectives"],
        history_change_reason_field=models.TextField(null=True),
    )
    # Set on an instance before a save, for django-simple-history's record (who, and why).
    _history_user: "User | None"
    _change_reason: str | None
    skip_history_when_saving: bool

    class Meta:
        ordering = ["programme", "due_quarter", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "title", "due_quarter"], name="unique_milestone_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(start_quarter__isnull=True)
                | Q(start_quarter__lte=models.F("due_quarter")),
                name="milestone_starts_before_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (due {self.due_quarter})"


class MilestoneUpdate(models.Model):
    """A lead's quarterly report on one milestone: draft → submitted → approved or returned."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="updates")
    quarter = QuarterField()
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices)
    suggested_status = models.CharField(max_length=20, choices=DeliveryStatus.choices, blank=True)
    override_reason = models.TextField(blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    commentary = models.TextField(blank=True)
    risks_and_issues = models.TextField(blank=True)
    mitigations = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    path_to_green = models.TextField(blank=True, help_text="The recovery action, for Amber or Red.")
    back_on_track_quarter = QuarterField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    returned_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reopened_reason = models.TextField(
        blank=True, help_text="Why the performance team reopened an approved update."
    )
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    # Set on an instance before a save, for django-simple-history's record (who, and why).
    _history_user: "User | None"
    _change_reason: str | None

    class Meta:
        ordering = ["milestone", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["milestone", "quarter"], name="one_update_per_quarter"),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "returned"])
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(returned_reason=""),
                name="returned_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["submitted", "approved"])
                | Q(submitted_at__isnull=False, submitted_by__isnull=False),
                name="submission_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["amber", "red"])
                | (~Q(path_to_green="") & Q(back_on_track_quarter__isnull=False)),
                name="amber_red_has_path_to_green",
            ),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True)
                | (~Q(reopened_reason="") & Q(reopened_by__isnull=False)),
                name="reopened_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone.title}: {self.quarter} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        """Whether a lead may still change it: drafts and returned updates only."""
        return self.state in EDITABLE_STATES


EDITABLE_STATES = frozenset({MilestoneUpdate.State.DRAFT, MilestoneUpdate.State.RETURNED})


class ReportingCycle(models.Model):
    """A quarter's milestone reporting round, run by the performance team.

    Leads enter updates for the quarters whose cycle is open; the deadline drives the
    reminders and the "overdue" flag on the completeness page.
    """

    quarter = QuarterField(unique=True)
    opens_on = models.DateField(help_text="The day leads can start entering updates.")
    deadline = models.DateField(help_text="The last day for submitting updates.")
    is_open = models.BooleanField(
        default=True, help_text="Leads can enter and submit updates for this quarter."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    # Set on an instance before a save, for django-simple-history's record (who, and why).
    _history_user: "User | None"
    _change_reason: str | None

    class Meta:
        ordering = ["-quarter"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="cycle_deadline_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} milestone updates (deadline {self.deadline:%-d %B %Y})"


class ReminderSent(models.Model):
    """One reminder e-mail sent to one person about one quarter on one day.

    The unique constraint makes the daily reminder job safe to run twice: a digest already
    recorded for the day is not sent again.
    """

    class Kind(models.TextChoices):
        LEAD_DUE_SOON = "lead_due_soon", "Lead: deadline coming up"
        LEAD_OVERDUE = "lead_overdue", "Lead: updates overdue"
        APPROVER_DIGEST = "approver_digest", "Approver: updates awaiting a decision"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="milestone_reminders"
    )
    quarter = QuarterField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on", "user"]
        verbose_name_plural = "reminders sent"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quarter", "kind", "sent_on"], name="one_reminder_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user} for {self.quarter} on {self.sent_on}"
