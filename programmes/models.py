"""The ten programmes of work, their milestones, and the quarterly updates leads give on them.

A milestone's status is a judgement by its lead (suggested from the schedule, overridable); it
is never mixed with a measure's calculated status.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bury_hc.fields import QuarterField


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
    GREEN = "green", "On track"
    AMBER = "amber", "At risk"
    RED = "red", "Off track"
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
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")

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
        ]

    def __str__(self) -> str:
        return f"{self.milestone.title}: {self.quarter} ({self.get_status_display()})"
