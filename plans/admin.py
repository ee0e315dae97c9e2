from django.contrib import admin

from plans import models


class ObjectiveInline(admin.TabularInline):
    model = models.Objective
    extra = 0


class OutcomeInline(admin.TabularInline):
    model = models.Outcome
    extra = 0


class PriorityInline(admin.TabularInline):
    model = models.Priority
    extra = 0


class WorkingPrincipleInline(admin.TabularInline):
    model = models.WorkingPrinciple
    extra = 0


@admin.register(models.LocalityPlan)
class LocalityPlanAdmin(admin.ModelAdmin):
    list_display = ["short_name", "title", "endorsed_on", "is_current"]
    inlines = [PriorityInline, ObjectiveInline, OutcomeInline, WorkingPrincipleInline]


@admin.register(models.Objective, models.Outcome, models.WorkingPrinciple)
class NumberedPlanItemAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "text"]
    list_filter = ["plan"]


@admin.register(models.Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "title"]
    list_filter = ["plan"]


@admin.register(models.NeighbourhoodTeam)
class NeighbourhoodTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.PartnershipBody)
class PartnershipBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "chair", "reports_to"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "job_title"]
    list_filter = ["organisation"]
    list_select_related = ["user", "organisation"]
