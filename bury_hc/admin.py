from django.contrib import admin

from bury_hc.models import ImportBatch


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
