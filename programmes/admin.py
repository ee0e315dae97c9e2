from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from programmes import models


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["leads", "approvers", "priorities", "objectives"]


@admin.register(models.Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "programme", "due_quarter", "neighbourhood", "is_active"]
    list_filter = ["programme", "is_active", "neighbourhood"]
    search_fields = ["title", "description"]
    filter_horizontal = ["priorities", "objectives"]
    list_select_related = ["programme", "neighbourhood"]
    readonly_fields = ["version", "batch"]

    def save_model(self, request, obj, form, change) -> None:
        if change:  # anyone editing it in the browser now holds a stale version
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(models.MilestoneUpdate)
class MilestoneUpdateAdmin(SimpleHistoryAdmin):
    """Read-only: updates change only through the cycle's services (save, submit, return,
    approve, reopen), which keep the version, the history and the e-mails right."""

    list_display = ["milestone", "quarter", "status", "state", "progress_percent", "updated_at"]
    list_filter = ["state", "status", "milestone__programme"]
    list_select_related = ["milestone"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.ReportingCycle)
class ReportingCycleAdmin(SimpleHistoryAdmin):
    list_display = ["quarter", "opens_on", "deadline", "is_open", "updated_by"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(models.ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["sent_on", "user", "quarter", "kind", "item_count"]
    list_filter = ["kind", "sent_on"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
