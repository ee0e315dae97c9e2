from django.contrib import admin

from programmes import models


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["leads", "approvers", "priorities", "objectives"]


@admin.register(models.Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "due_quarter", "neighbourhood", "is_active"]
    list_filter = ["programme", "is_active", "neighbourhood"]
    search_fields = ["title", "description"]
    filter_horizontal = ["priorities", "objectives"]
    list_select_related = ["programme", "neighbourhood"]


@admin.register(models.MilestoneUpdate)
class MilestoneUpdateAdmin(admin.ModelAdmin):
    list_display = ["milestone", "quarter", "status", "state", "progress_percent", "updated_at"]
    list_filter = ["state", "status", "milestone__programme"]
    list_select_related = ["milestone"]
    readonly_fields = ["version", "updated_at"]
