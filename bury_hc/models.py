"""Provenance shared by every import: observations, milestone plans and finance figures."""

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One file loaded into the application: what it was, who loaded it, when, and from where.

    Every imported value points at the batch it came from, so any figure can be traced back to
    its file. A batch is written only once its whole file has been checked clean.
    """

    class Kind(models.TextChoices):
        OBSERVATIONS = "observations", "Measure values"
        MILESTONE_PLAN = "milestone_plan", "Milestone plan"
        FINANCE = "finance", "Finance figures"
        REFERENCE = "reference", "Reference data"

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        ROLLED_BACK = "rolled_back", "Rolled back"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    file_format = models.CharField(max_length=40, help_text="The import format used to read it.")
    source = models.CharField(
        max_length=255, help_text="Who published the data, e.g. NHS England (ASCOF)."
    )
    published_on = models.DateField(null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.APPLIED)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()}, {self.imported_at:%d %b %Y %H:%M})"


class FileUpload(models.Model):
    """A file given to a page that has it read by a worker (finance figures, milestone plans,
    when big): kept until it has been read, then deleted; what became of it stays, for the
    page that shows its progress. `parameters` say what the file is for (the quarter, the
    programme) and where to go back to."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to be read"
        READING = "reading", "Being read"
        DONE = "done", "Loaded"
        REFUSED = "refused", "Not loaded: the file has problems"
        FAILED = "failed", "Not loaded: the application failed"

    FINISHED = (State.DONE, State.REFUSED, State.FAILED)

    kind = models.CharField(max_length=20, choices=ImportBatch.Kind.choices)
    file = models.FileField(upload_to="uploads/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255)
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    problems = models.JSONField(default=list, blank=True)
    outcome = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()}, {self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED


class WaitingJob(models.Model):
    """A background job that could not be handed to a worker because the broker (Redis) could
    not be reached. The request that asked for it still succeeded; the sweep
    (`bury_hc.jobs.waiting_jobs_send`, every minute) sends it once the broker is back."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1, help_text="Times sending it failed.")
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)} waiting since {self.created_at:%d %b %H:%M}"
