"""The locality plan: what the partnership is trying to achieve, and who it is.

Other apps point at these (a programme serves priorities and objectives, a milestone may belong
to a neighbourhood, a budget line has a host organisation); this app points at none of them.
"""

from django.conf import settings
from django.db import models


class LocalityPlan(models.Model):
    """One version of the locality plan for health, care and wellbeing."""

    title = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, unique=True)
    endorsed_on = models.DateField(null=True, blank=True)
    endorsed_by = models.CharField(max_length=120, blank=True)
    summary = models.TextField(blank=True)
    is_current = models.BooleanField(
        default=False, help_text="The plan whose priorities the programmes serve now."
    )
    source_document = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-endorsed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_locality_plan",
            )
        ]

    def __str__(self) -> str:
        return self.short_name


class NumberedPlanItem(models.Model):
    plan = models.ForeignKey(LocalityPlan, on_delete=models.CASCADE)
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        abstract = True
        ordering = ["plan", "number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class Objective(NumberedPlanItem):
    """One of the plan's objectives (nine in the 2021 refresh, section G paragraph 21)."""

    class Meta(NumberedPlanItem.Meta):
        default_related_name = "objectives"
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_objective_number")
        ]


class Outcome(NumberedPlanItem):
    """One of the four overarching outcomes against which the plan measures its success."""

    class Meta(NumberedPlanItem.Meta):
        default_related_name = "outcomes"
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_outcome_number")
        ]


class WorkingPrinciple(NumberedPlanItem):
    """How the partners work together as a system (section H, 'the way we work')."""

    class Meta(NumberedPlanItem.Meta):
        default_related_name = "working_principles"
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_principle_number")
        ]


class Priority(models.Model):
    """One of the four priorities of the current locality plan."""

    plan = models.ForeignKey(LocalityPlan, on_delete=models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_priority_number")
        ]

    def __str__(self) -> str:
        return f"Priority {self.number}: {self.title}"


class NeighbourhoodTeam(models.Model):
    """One of the five integrated neighbourhood teams (INTs) in health and care."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class PartnershipBody(models.Model):
    """A board of the Bury Integrated Care Partnership (Locality Board, Health and Wellbeing
    Board, Integrated Delivery Collaborative Board, ...)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    purpose = models.TextField(blank=True)
    chair = models.CharField(max_length=200, blank=True)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reporting_bodies"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "partnership bodies"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A partner organisation: hosts budget lines, employs leads and finance officers."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "Local authority"
        NHS_COMMISSIONER = "nhs_commissioner", "NHS commissioner"
        NHS_PROVIDER = "nhs_provider", "NHS provider"
        VOLUNTARY = "voluntary", "Voluntary, community and faith sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=160, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """Where a user works: finance officers edit only their own organisation's budget lines."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    job_title = models.CharField(max_length=160, blank=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.organisation or 'no organisation'})"
