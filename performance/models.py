"""Measures, the areas they are reported for, and the values observed.

A measure's status is calculated from its value, target, tolerance and polarity (see
`performance.assessment`); it is never a person's judgement.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

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


class ReportSection(models.TextChoices):
    """The sections of the quarterly Adult Social Care performance report."""

    CONTACTS = "contacts", "Contacts"
    WAITING_LISTS = "waiting-lists", "Waiting lists"
    REVIEWS = "reviews", "Reviews"
    ASSESSMENTS = "assessments", "Assessments"
    SERVICES = "services", "Services"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    COMPLAINTS = "complaints-and-compliments", "Complaints and compliments"
    CARE_MARKET = "care-market", "State of the care market"
    WORKFORCE = "workforce", "Workforce"
    OUTCOMES = "outcomes", "Adult Social Care Outcomes Framework"


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
    report_section = models.CharField(
        max_length=40,
        choices=ReportSection.choices,
        blank=True,
        help_text="The section of the quarterly report whose page shows this measure.",
    )
    in_highlight_report = models.BooleanField(
        default=False, help_text="Shown in the quarterly Adult Social Care highlight report."
    )
    highlight_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    history = HistoricalRecords()

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
    history = HistoricalRecords()

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

    # No index of its own: the unique key (and the measure × period-end index) start with it.
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
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


class SourceCode(models.Model):
    """What a publisher calls a measure, and for which years: ASCOF reused codes in 2023-24
    (e.g. 3A) for new measures, so a code identifies a measure only within its years."""

    class Scheme(models.TextChoices):
        ASCOF = "ascof", "ASCOF (NHS England)"
        FINGERTIPS = "fingertips", "OHID Fingertips indicator ID"
        LOCAL = "local", "Local code"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="source_codes")
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    code = models.CharField(max_length=40)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    source_description = models.TextField(blank=True, help_text="The publisher's own wording.")

    class Meta:
        ordering = ["scheme", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code", "valid_from"], name="unique_source_code_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.code} → {self.measure.code}"


class MeasureAnnotation(models.Model):
    """A note on a measure from a date: a change of definition, a data-quality caveat."""

    class Kind(models.TextChoices):
        DEFINITION_CHANGE = "definition_change", "Definition changed"
        DATA_QUALITY = "data_quality", "Data quality"
        CONTEXT = "context", "Context"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="annotations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    applies_from = models.DateField()
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measure", "applies_from"]

    def __str__(self) -> str:
        return f"{self.measure.code} from {self.applies_from}: {self.get_kind_display()}"


class ObservationRevision(models.Model):
    """The value an import replaced, so revisions show and an import can be rolled back."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="revisions")
    batch = models.ForeignKey(
        "bury_hc.ImportBatch",
        on_delete=models.PROTECT,
        related_name="observation_revisions",
        help_text="The import that made the change.",
    )
    previous_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    previous_value_note = models.CharField(max_length=255, blank=True)
    # The rest of what the import replaced, so that a rollback restores the whole value.
    previous_numerator = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    previous_denominator = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    previous_lower_ci = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    previous_upper_ci = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    previous_batch = models.ForeignKey(
        "bury_hc.ImportBatch", on_delete=models.PROTECT, related_name="+"
    )
    revised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["observation", "revised_at"]

    def __str__(self) -> str:
        return f"{self.observation} was {self.previous_value} before batch {self.batch_id}"


class ImportMappingProfile(models.Model):
    """A saved column mapping for a table in no standard format, reused next quarter."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    mapping = models.JSONField(
        help_text="Which columns hold area, period, measure and value, or that columns are periods."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ObservationImport(models.Model):
    """An upload on its way in: checked, previewed, then applied (in the background for big
    files). Holds the problems found and the progress of the import."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CHECKED = "checked", "Checked: ready to import"
        REFUSED = "refused", "Refused: problems found"
        QUEUED = "queued", "Waiting to import"
        IMPORTING = "importing", "Importing"
        APPLIED = "applied", "Imported"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=40)
    mapping = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=255, blank=True)
    published_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    plan = models.JSONField(default=dict, blank=True, help_text="What the import would change.")
    batch = models.OneToOneField(
        "bury_hc.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observation_import",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"


class DirectionOfTravel(models.TextChoices):
    """Direction judged by polarity: 'improving', not 'up'. Measures with no judgement only
    say whether the value rose or fell."""

    IMPROVING = "improving", "Improving"
    WORSENING = "worsening", "Worsening"
    NO_CHANGE = "no_change", "No change"
    HIGHER = "higher", "Higher (no judgement)"
    LOWER = "lower", "Lower (no judgement)"
    NOT_COMPARABLE = "not_comparable", "Not comparable"


class TargetStatus(models.TextChoices):
    MET = "met", "Target met"
    WITHIN_TOLERANCE = "within_tolerance", "Within tolerance"
    NOT_MET = "not_met", "Target not met"
    NO_TARGET = "no_target", "No target"
    NO_DATA = "no_data", "No data"


class DashboardSnapshot(models.Model):
    """What the dashboards show for one measure at one quarter, rebuilt after each import.

    Pages read these rows only, so they stay fast however much data sits behind them.
    """

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="snapshots")
    quarter = QuarterField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    latest_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    latest_period_type = models.CharField(max_length=20, blank=True)
    latest_period_start = models.DateField(null=True, blank=True)
    latest_period_end = models.DateField(null=True, blank=True)
    previous_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    previous_period_start = models.DateField(null=True, blank=True)
    previous_period_end = models.DateField(null=True, blank=True)
    last_year_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    last_year_period_start = models.DateField(null=True, blank=True)
    last_year_period_end = models.DateField(null=True, blank=True)
    direction_vs_previous = models.CharField(
        max_length=20, choices=DirectionOfTravel.choices, default=DirectionOfTravel.NOT_COMPARABLE
    )
    direction_vs_last_year = models.CharField(
        max_length=20, choices=DirectionOfTravel.choices, default=DirectionOfTravel.NOT_COMPARABLE
    )
    target_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    target_tolerance = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=TargetStatus.choices, default=TargetStatus.NO_TARGET
    )
    sparkline = models.JSONField(default=list, help_text="[[period label, value or null], ...]")
    ranks = models.JSONField(default=list, help_text="One entry per comparator group.")
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quarter", "measure__highlight_order", "measure__code"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "quarter", "area"], name="one_snapshot")
        ]
        indexes = [
            models.Index(fields=["quarter", "area"]),
            # The pages' versions read max(built_at) on every request (bury_hc.versions).
            models.Index(fields=["built_at"], name="snapshot_built_at"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} at {self.quarter}"


class SectionCommentary(models.Model):
    """The performance team's commentary on a report section for a quarter."""

    section = models.SlugField(max_length=60)
    quarter = QuarterField()
    text = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")

    class Meta:
        ordering = ["quarter", "section"]
        verbose_name_plural = "section commentaries"
        constraints = [
            models.UniqueConstraint(fields=["section", "quarter"], name="one_commentary")
        ]

    def __str__(self) -> str:
        return f"{self.section} commentary for {self.quarter}"
