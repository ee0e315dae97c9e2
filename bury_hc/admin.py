from django.contrib import admin

from bury_hc.models import ImportBatch, WaitingJob


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "kind",
        "file_format",
        "source",
        "imported_by",
        "imported_at",
        "row_count",
        "status",
    ]
    list_filter = ["kind", "status", "file_format"]
    search_fields = ["file_name", "sha256", "source"]
    readonly_fields = ["sha256", "imported_at"]


@admin.register(WaitingJob)
class WaitingJobAdmin(admin.ModelAdmin):
    """Jobs kept while Redis was down; beat sends them once it is back (bury_hc.jobs)."""

    list_display = ["task_name", "args", "created_at", "attempts", "last_error"]
    readonly_fields = ["task_name", "args", "created_at", "attempts", "last_error"]
