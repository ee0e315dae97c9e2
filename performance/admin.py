from django.contrib import admin

from performance import models


@admin.register(models.Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "ons_code", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active", "region"]
    search_fields = ["name", "ons_code", "alternative_names"]


@admin.register(models.ComparatorGroup)
class ComparatorGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "published_size"]
    filter_horizontal = ["members"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.MeasureGroup)
class MeasureGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "order"]
    list_filter = ["kind"]


class TargetInline(admin.TabularInline):
    model = models.Target
    extra = 0


@admin.register(models.Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "polarity", "frequency", "unit", "in_highlight_report"]
    list_filter = ["polarity", "frequency", "unit", "in_highlight_report", "group"]
    search_fields = ["code", "name"]
    filter_horizontal = ["programmes", "objectives"]
    inlines = [TargetInline]


@admin.register(models.Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["measure", "area", "period_type", "period_start", "value", "batch"]
    list_filter = ["period_type", "measure"]
    search_fields = ["measure__code", "area__name"]
    list_select_related = ["measure", "area", "batch"]
    raw_id_fields = ["measure", "area", "batch"]


class PublishedRankInline(admin.TabularInline):
    model = models.PublishedRank
    extra = 0


@admin.register(models.PublishedHighlight)
class PublishedHighlightAdmin(admin.ModelAdmin):
    list_display = ["measure", "quarter", "latest_value_as_published", "direction"]
    inlines = [PublishedRankInline]
    list_select_related = ["measure"]
