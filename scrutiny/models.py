"""Committees, their meetings, and the packs of papers put before them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from bury_hc.fields import QuarterField


class Committee(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    partnership_body = models.OneToOneField(
        "plans.PartnershipBody",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee",
    )
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=60, blank=True, help_text="e.g. Chair")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["committee", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="unique_committee_member")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.committee})"


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "starts_at"], name="unique_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.committee}, {self.starts_at:%-d %B %Y}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=255)
    presenter = models.CharField(max_length=255, blank=True)
    pages = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="unique_agenda_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class PackSection(models.TextChoices):
    """The parts a pack can be built from, in the order they print."""

    COVER = "cover", "Report cover"
    PERFORMANCE = "performance", "Adult Social Care performance report"
    PROGRAMMES = "programmes", "Programme delivery"
    FUND = "fund", "Integrated Care Fund summary"
    CHANGES = "changes", "What changed since the last published pack"


class CommitteePack(models.Model):
    """Papers for one meeting about one quarter. Publishing copies everything the pack shows
    into `snapshot`; a published pack is rendered from that frozen copy only."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="packs")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="packs"
    )
    quarter = QuarterField()
    title = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    sections = models.JSONField(default=list, blank=True, help_text="PackSection values.")
    cover = models.JSONField(default=dict, blank=True, help_text="The report cover's text.")
    snapshot = models.JSONField(
        null=True, blank=True, help_text="Everything the published pack shows, frozen."
    )
    snapshot_sources = models.JSONField(
        default=dict, blank=True, help_text="What was current at publication."
    )
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")

    class Meta:
        ordering = ["-meeting__starts_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="published_pack_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(snapshot__isnull=False),
                name="published_pack_has_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.meeting})"


class PackExport(models.Model):
    """One requested rendering of a pack into a file. A request makes exactly one artefact:
    the task that renders it is idempotent per request."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (.docx)"
        XLSX = "xlsx", "Excel (.xlsx)"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    pack = models.ForeignKey(CommitteePack, on_delete=models.CASCADE, related_name="exports")
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    format = models.CharField(max_length=4, choices=Format.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    pack_state = models.CharField(
        max_length=10, choices=CommitteePack.State.choices, help_text="Draft or published copy."
    )
    file = models.FileField(upload_to="packs/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sends = models.PositiveSmallIntegerField(
        default=1, help_text="Times the request was handed to a worker (bury_hc.jobs)."
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was last handed to a worker again."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | (Q(finished_at__isnull=False) & ~Q(sha256="")),
                name="done_export_has_file_checksum",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} of {self.pack}"
