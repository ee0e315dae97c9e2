"""Measures, the areas they are reported for, and the values observed.

A measure's status is calculated from its value, target, tolerance and polarity (see
`performance.assessment`); it is never a person's judgement.
"""

from django.db import models
from django.db.models import Q

from bury_hc.fields import QuarterField
from bury_hc.periods import Period, PeriodType


class Area(models.Model):
    """A place a value is reported for: Bury, its comparator councils, regions, England."""

    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", "Council"
        COMBINED_AUTHORITY = "combined_authority", "Combined authority or ICB area"
        REGION = "region", "Region"
        COUNTRY = "country", "Country"
        NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"

    name = models.CharField(max_length=120)
    ons_code = models.CharField(max_length=9, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    council_type = models.CharField(max_length=60, blank=True)
    region = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="councils"
    )
    alternative_names = models.CharField(
        max_length=255, blank=True, help_text="Other spellings in source files, separated by |"
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Areas that no longer exist (e.g. Cumbria) are retired, not deleted.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ComparatorGroup(models.Model):
    """A set of areas Bury is ranked against (Greater Manchester, North West, peers)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    short_name = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(Area, blank=True, related_name="comparator_groups")
    published_size = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many councils the published reports rank against."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class MeasureGroup(models.Model):
    """What a measure serves: an Adult Social Care 'obsession' or an outcome domain."""

    class Kind(models.TextChoices):
        OBSESSION = "obsession", "Obsession"
        OUTCOME = "outcome", "Outcome domain"
        SECTION = "section", "Report section"

    name = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "order", "name"]

    def __str__(self) -> str:
        return self.name


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"
    NO_JUDGEMENT = "none", "No judgement"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Unit(models.TextChoices):
    COUNT = "count", "Number"
    PERCENTAGE = "percentage", "Per cent"
    DAYS = "days", "Days"
    RATE_PER_100K = "rate_per_100k", "Rate per 100,000"
    SCORE = "score", "Score"
    POUNDS = "pounds", "Pounds"


class Measure(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=300)
    group = models.ForeignKey(
        MeasureGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    polarity = models.CharField(max_length=10, choices=Polarity.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.COUNT)
    decimal_places = models.PositiveSmallIntegerField(default=0)
    data_source = models.CharField(max_length=255, blank=True)
    definition = models.TextField(blank=True)
    what_good_looks_like = models.TextField(blank=True)
    programmes = models.ManyToManyField("programmes.Programme", blank=True, related_name="measures")
    objectives = models.ManyToManyField("plans.Objective", blank=True, related_name="measures")
    in_highlight_report = models.BooleanField(
        default=False, help_text="Shown in the quarterly Adult Social Care highlight report."
    )
    highlight_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["highlight_order", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class Target(models.Model):
    """A measure's target for a period, with the tolerance within which it counts as 'close'."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets")
    applies_from = models.DateField()
    applies_to = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=6)
    tolerance = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=0,
        help_text="How far on the wrong side of the target still counts as within tolerance.",
    )
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["measure", "applies_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applies_to__gte=models.F("applies_from")), name="target_period_order"
            ),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="tolerance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} target {self.value} from {self.applies_from}"


class Observation(models.Model):
    """One value: a measure for an area over a period, and the import it came from."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="observations")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="observations")
    period_type = models.CharField(max_length=20, choices=[(t.value, t.label) for t in PeriodType])
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    value_note = models.CharField(
        max_length=255, blank=True, help_text="Why a value is missing or qualified, as published."
    )
    numerator = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    lower_ci = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    upper_ci = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    batch = models.ForeignKey(
        "bury_hc.ImportBatch", on_delete=models.PROTECT, related_name="observations"
    )
    revised_at = models.DateTimeField(
        null=True, blank=True, help_text="When a later import changed this value."
    )

    class Meta:
        ordering = ["measure", "area", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "area", "period_type", "period_start"],
                name="one_value_per_measure_area_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="period_order"
            ),
        ]
        indexes = [models.Index(fields=["measure", "period_end"])]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.area.name} {self.period.label}: {self.value}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end, PeriodType(self.period_type))


class PublishedHighlight(models.Model):
    """A row of a highlight report as the council published it, kept beside the application's
    own calculations so that differences can be shown rather than hidden."""

    class Direction(models.TextChoices):
        IMPROVING = "improving", "Improving (✓ in the published report)"
        WORSENING = "worsening", "Worsening (✗ in the published report)"
        NOT_STATED = "", "Not stated"

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="published_highlights"
    )
    quarter = QuarterField(help_text="The quarter the report covers.")
    latest_value_as_published = models.CharField(max_length=40)
    direction = models.CharField(max_length=10, choices=Direction.choices, blank=True)
    source = models.CharField(max_length=255)

    class Meta:
        ordering = ["quarter", "measure__highlight_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "quarter"], name="one_published_highlight_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} as published for {self.quarter}"


class PublishedRank(models.Model):
    """A rank as published: '3rd of 10 in Greater Manchester at 2024/25 Q4'."""

    highlight = models.ForeignKey(
        PublishedHighlight, on_delete=models.CASCADE, related_name="ranks"
    )
    comparator_group = models.ForeignKey(
        ComparatorGroup, on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField()
    out_of = models.PositiveSmallIntegerField()
    as_at = models.CharField(
        max_length=40, help_text="The period the rank describes, as published."
    )

    class Meta:
        ordering = ["comparator_group__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["highlight", "comparator_group"], name="one_rank_per_group"
            ),
            models.CheckConstraint(
                condition=Q(rank__lte=models.F("out_of")), name="rank_within_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank} of {self.out_of} ({self.comparator_group.short_name}, {self.as_at})"
