from django.contrib import admin

from scrutiny import models


class CommitteeMemberInline(admin.TabularInline):
    model = models.CommitteeMember
    extra = 0


@admin.register(models.Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CommitteeMemberInline]


@admin.register(models.CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "committee"]
    list_filter = ["committee"]


class AgendaItemInline(admin.TabularInline):
    model = models.AgendaItem
    extra = 0


@admin.register(models.Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["committee", "starts_at", "place"]
    list_filter = ["committee"]
    inlines = [AgendaItemInline]


@admin.register(models.AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["meeting", "number", "title"]


@admin.register(models.CommitteePack)
class CommitteePackAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "quarter", "state", "published_at"]
    list_filter = ["state"]
    readonly_fields = ["snapshot", "snapshot_sources", "published_by", "published_at"]


@admin.register(models.PackExport)
class PackExportAdmin(admin.ModelAdmin):
    list_display = ["pack", "format", "state", "pack_state", "created_at", "finished_at"]
    list_filter = ["state", "format"]
    readonly_fields = ["request_id", "sha256", "size", "file", "attempts", "error"]
