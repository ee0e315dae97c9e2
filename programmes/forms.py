"""Forms of the milestone cycle, laid out in the GOV.UK Design System style (crispy-forms-gds).

Forms check what people enter (the rules in `programmes.rules`), with GOV.UK-style messages
that the page's error summary links to; services then write what the form cleaned. Buttons
are in the templates, so that one form can offer "Save as draft" and "Save and submit".
"""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Fieldset, Fixed, Size
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from bury_hc.fields import FinancialYearFormField, QuarterFormField
from bury_hc.forms import affixed_input, form_helper
from bury_hc.periods import Quarter
from plans.models import LocalityPlan, NeighbourhoodTeam, Objective, Priority
from programmes import rules
from programmes.models import DeliveryStatus, Milestone, MilestoneUpdate, Programme
from programmes.selectors import COMPLETENESS_STATES
from programmes.services import MilestoneValues

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]
DATE_HINT = "For example, 31/3/2025"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _date_field(label: str, *, required: bool, help_text: str = DATE_HINT) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text=help_text,
        error_messages={"invalid": f"Enter a real date. {help_text}"},
    )


class VersionField(forms.IntegerField):
    """The version of the record the person loaded (blank for a new one)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, min_value=0, **kwargs)


# --- milestones ---------------------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=Milestone._meta.get_field("title").max_length,
        help_text="What will be delivered, in a few words.",
        error_messages={
            "required": "Enter the milestone's title",
            "max_length": "The title must be 255 characters or fewer",
        },
    )
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea
    )
    owner = PersonChoiceField(
        label="Owner (optional)",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not someone with an account",
    )
    owner_name = forms.CharField(
        label="Owner's name, if they have no account (optional)",
        required=False,
        max_length=Milestone._meta.get_field("owner_name").max_length,
        error_messages={"max_length": "The owner's name must be 120 characters or fewer"},
    )
    start_quarter = QuarterFormField(
        label="Start quarter (optional)",
        required=False,
        help_text="When work starts, for example 2024/25 Q1. Leave blank to count from the "
        "start of the year it is due.",
    )
    due_quarter = QuarterFormField(
        label="Due quarter",
        error_messages={"required": "Enter the quarter it is due, for example 2024/25 Q4"},
    )
    due_date = _date_field("Due date (optional)", required=False)
    neighbourhood = forms.ModelChoiceField(
        label="Neighbourhood team",
        queryset=NeighbourhoodTeam.objects.all(),
        required=False,
        empty_label="Borough-wide (no single neighbourhood)",
    )
    priorities = forms.ModelMultipleChoiceField(
        label="Locality plan priorities it serves",
        queryset=Priority.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    objectives = forms.ModelMultipleChoiceField(
        label="Locality plan objectives it serves",
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = VersionField()

    def __init__(
        self, *args: Any, programme: Programme, milestone: Milestone | None = None, **kwargs: Any
    ) -> None:
        if milestone is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(milestone, name)
                    for name in (
                        "title",
                        "description",
                        "owner",
                        "owner_name",
                        "start_quarter",
                        "due_quarter",
                        "due_date",
                        "neighbourhood",
                    )
                },
                "priorities": list(milestone.priorities.all()),
                "objectives": list(milestone.objectives.all()),
                "version": milestone.version,
            }
        super().__init__(*args, **kwargs)
        self.programme, self.milestone = programme, milestone
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name")
        )
        plan = LocalityPlan.objects.filter(is_current=True).first()
        linked_priorities = Q(pk__in=milestone.priorities.all()) if milestone else Q(pk=None)
        self.fields["priorities"].queryset = Priority.objects.filter(
            Q(plan=plan) | linked_priorities
        ).order_by("plan", "number")
        # The current plan may keep its predecessor's objectives: offer the newest plan's.
        latest = Objective.objects.order_by("-plan__endorsed_on").values("plan").first()
        linked_objectives = Q(pk__in=milestone.objectives.all()) if milestone else Q(pk=None)
        self.fields["objectives"].queryset = Objective.objects.filter(
            Q(plan=latest["plan"] if latest else None) | linked_objectives
        ).order_by("plan", "number")
        self.helper = form_helper(
            Field.text("title"),
            Field.textarea("description", rows=4),
            Field.select("owner"),
            Field.text("owner_name", field_width=Fixed.TWENTY),
            Field.text("start_quarter", field_width=Fixed.TEN),
            Field.text("due_quarter", field_width=Fixed.TEN),
            Field.text("due_date", field_width=Fixed.TEN),
            Field.select("neighbourhood"),
            Field.checkboxes("priorities", small=True),
            Field.checkboxes("objectives", small=True),
            Field("version"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, due = cleaned.get("start_quarter"), cleaned.get("due_quarter")
        due_date = cleaned.get("due_date")
        if start and due and start > due:
            self.add_error("start_quarter", f"The start quarter must be {due.label} or earlier")
        if due and due_date and not due.start <= due_date <= due.end:
            self.add_error("due_date", f"The due date must be in {due.label} ({due.months_label})")
        title = cleaned.get("title")
        if title and due:
            clash = Milestone.objects.filter(
                programme=self.programme, title__iexact=title, due_quarter=due
            )
            if self.milestone is not None:
                clash = clash.exclude(pk=self.milestone.pk)
            if clash.exists():
                self.add_error(
                    "title",
                    f"{self.programme.name} already has a milestone with this title due in "
                    f"{due.label}",
                )
        if cleaned.get("owner") and cleaned.get("owner_name"):
            self.add_error(
                "owner_name",
                "Leave the owner's name blank when you choose an owner with an account",
            )
        return cleaned

    def milestone_values(self) -> MilestoneValues:
        data = self.cleaned_data
        return MilestoneValues(
            title=data["title"],
            due_quarter=data["due_quarter"],
            description=data["description"],
            owner=data["owner"],
            owner_name=data["owner_name"],
            start_quarter=data["start_quarter"],
            due_date=data["due_date"],
            neighbourhood=data["neighbourhood"],
            priorities=tuple(data["priorities"]),
            objectives=tuple(data["objectives"]),
        )

    @property
    def expected_version(self) -> int:
        return self.cleaned_data.get("version") or 0


class MilestonePlanUploadForm(forms.Form):
    financial_year = FinancialYearFormField(
        label="Financial year of the plan",
        error_messages={"required": "Enter the financial year, for example 2025/26"},
    )
    file = forms.FileField(
        label="Plan file",
        help_text="A CSV or Excel (.xlsx) file in the template's layout, up to 5 MB.",
        error_messages={
            "required": "Choose a CSV or Excel file to upload",
            "empty": "The selected file is empty",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Field.text("financial_year", field_width=Fixed.TEN), Field("file")
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB")
        return upload


# --- the quarterly update ----------------------------------------------------------------------


STATUS_CHOICES = [("", "Choose a status"), *DeliveryStatus.choices]


class MilestoneUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Delivery status",
        choices=STATUS_CHOICES,
        error_messages={"required": "Select the delivery status"},
    )
    progress_percent = forms.IntegerField(
        label="Progress (per cent)",
        min_value=0,
        max_value=100,
        help_text="How much of the milestone is done, as a whole number from 0 to 100.",
        error_messages={
            "required": "Enter progress as a whole number from 0 to 100",
            "invalid": "Enter progress as a whole number from 0 to 100",
            "min_value": "Progress must be 0 or more",
            "max_value": "Progress must be 100 or less",
        },
    )
    commentary = forms.CharField(
        label="Commentary",
        required=False,
        widget=forms.Textarea,
        help_text="What happened this quarter. Needed when the status is at risk (amber) or "
        "off track (red), or has changed since last quarter.",
    )
    path_to_green = forms.CharField(
        label="Path to green: the recovery action",
        required=False,
        widget=forms.Textarea,
        help_text="Needed when the status is at risk (amber) or off track (red).",
    )
    back_on_track_quarter = QuarterFormField(
        label="Quarter expected back on track",
        required=False,
        help_text="Needed when the status is at risk (amber) or off track (red). For example, "
        "2025/26 Q1.",
    )
    risks_and_issues = forms.CharField(
        label="Risks and issues (optional)", required=False, widget=forms.Textarea
    )
    mitigations = forms.CharField(
        label="Mitigations (optional)", required=False, widget=forms.Textarea
    )
    next_steps = forms.CharField(
        label="Next steps (optional)", required=False, widget=forms.Textarea
    )
    override_reason = forms.CharField(
        label="Reason for choosing a different status from the suggestion",
        required=False,
        widget=forms.Textarea,
        help_text="Needed only when your status differs from the one the schedule suggests.",
    )
    version = VersionField()

    FIELDS_COMPARED = [
        "status",
        "progress_percent",
        "commentary",
        "path_to_green",
        "back_on_track_quarter",
        "risks_and_issues",
        "mitigations",
        "next_steps",
        "override_reason",
    ]

    def __init__(
        self,
        *args: Any,
        milestone: Milestone,
        quarter: Quarter,
        previous_status: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.milestone, self.quarter, self.previous_status = milestone, quarter, previous_status
        self.helper = form_helper(
            Field.select("status"),
            affixed_input("progress_percent", width=Fixed.FIVE, suffix="%", inputmode="numeric"),
            Field.textarea("commentary", rows=5),
            Fieldset(
                Field.textarea("path_to_green", rows=3),
                Field.text("back_on_track_quarter", field_width=Fixed.TEN),
                legend="If the milestone is at risk or off track",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.textarea("risks_and_issues", rows=3),
                Field.textarea("mitigations", rows=3),
                Field.textarea("next_steps", rows=3),
                legend="Risks, mitigations and next steps",
                legend_size=Size.MEDIUM,
            ),
            Field.textarea("override_reason", rows=3),
            Field("version"),
        )

    def suggestion(self, progress_percent: int) -> rules.Suggestion:
        return rules.milestone_status_suggest(
            start_quarter=self.milestone.start_quarter,
            due_quarter=self.milestone.due_quarter,
            due_date=self.milestone.due_date,
            quarter=self.quarter,
            progress_percent=progress_percent,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors.get("status") or self.errors.get("progress_percent"):
            return cleaned
        entry = rules.UpdateEntry(
            status=cleaned["status"],
            progress_percent=cleaned["progress_percent"],
            commentary=cleaned.get("commentary", ""),
            path_to_green=cleaned.get("path_to_green", ""),
            back_on_track_quarter=cleaned.get("back_on_track_quarter"),
            override_reason=cleaned.get("override_reason", ""),
        )
        self.checked_suggestion = self.suggestion(entry.progress_percent)
        problems = rules.update_problems(
            entry=entry,
            quarter=self.quarter,
            previous_status=self.previous_status,
            suggestion=self.checked_suggestion,
        )
        for name in self.FIELDS_COMPARED:  # in the page's order, for the error summary
            if name in problems and name not in self.errors:
                self.add_error(name, problems[name])
        return cleaned

    def update_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS_COMPARED}

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version") or None

    @classmethod
    def initial_for(
        cls, *, update: MilestoneUpdate | None, previous: MilestoneUpdate | None
    ) -> dict[str, Any]:
        """The form's starting values: the update's, or for a new update what carries over
        from last quarter (progress, risks, mitigations, next steps)."""
        if update is not None:
            return {name: getattr(update, name) for name in cls.FIELDS_COMPARED} | {
                "version": update.version
            }
        if previous is not None:
            return {
                "progress_percent": previous.progress_percent,
                "risks_and_issues": previous.risks_and_issues,
                "mitigations": previous.mitigations,
                "next_steps": previous.next_steps,
            }
        return {"progress_percent": 0}


class DecisionForm(forms.Form):
    """Approve or submit: only the version is sent."""

    version = VersionField()


class ReasonForm(forms.Form):
    """Return or reopen: a reason is needed."""

    reason = forms.CharField(label="Reason", widget=forms.Textarea)
    version = VersionField()

    def __init__(self, *args: Any, label: str, required_message: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = required_message
        self.helper = form_helper(Field.textarea("reason", rows=4), Field("version"))


def return_form(*args: Any, **kwargs: Any) -> ReasonForm:
    return ReasonForm(
        *args,
        label="Why are you returning it?",
        required_message="Enter why you are returning the update, so the lead can put it right",
        prefix="return",
        **kwargs,
    )


def reopen_form(*args: Any, **kwargs: Any) -> ReasonForm:
    return ReasonForm(
        *args,
        label="Why are you reopening it?",
        required_message="Enter why you are reopening the approved update",
        prefix="reopen",
        **kwargs,
    )


# --- reporting cycles and the completeness filters ----------------------------------------------


class ReportingCycleForm(forms.Form):
    quarter = QuarterFormField(
        label="Quarter",
        error_messages={"required": "Enter the quarter, for example 2025/26 Q1"},
    )
    opens_on = _date_field("Opens on", required=True)
    deadline = _date_field("Deadline", required=True, help_text="For example, 16/5/2025")
    is_open = forms.BooleanField(label="Open: leads can enter and submit updates", required=False)
    reason = forms.CharField(
        label="Reason for the change (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="Kept in the cycle's history. Needed when you reopen a closed cycle.",
    )

    def __init__(self, *args: Any, cycle: Any = None, **kwargs: Any) -> None:
        if cycle is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "quarter": cycle.quarter,
                "opens_on": cycle.opens_on,
                "deadline": cycle.deadline,
                "is_open": cycle.is_open,
            }
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        for name in ("opens_on", "deadline"):
            self.fields[name].error_messages["required"] = (
                f"Enter the date the cycle {'opens' if name == 'opens_on' else 'closes'}"
            )
        if cycle is not None:
            self.fields["quarter"].disabled = True
        self.helper = form_helper(
            Field.text("quarter", field_width=Fixed.TEN),
            Field.text("opens_on", field_width=Fixed.TEN),
            Field.text("deadline", field_width=Fixed.TEN),
            Field.checkbox("is_open"),
            Field.textarea("reason", rows=3),
        )

    def clean(self) -> dict[str, Any]:
        from programmes.models import ReportingCycle

        cleaned = super().clean()
        opens_on, deadline = cleaned.get("opens_on"), cleaned.get("deadline")
        if opens_on and deadline and deadline < opens_on:
            self.add_error("deadline", "The deadline must be on or after the day the cycle opens")
        quarter = cleaned.get("quarter")
        if (
            self.cycle is None
            and quarter
            and ReportingCycle.objects.filter(quarter=quarter).exists()
        ):
            self.add_error("quarter", f"There is already a cycle for {quarter.label}: change it")
        if (
            self.cycle is not None
            and not self.cycle.is_open
            and cleaned.get("is_open")
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", "Enter why you are reopening the cycle")
        return cleaned


class CompletenessFilterForm(forms.Form):
    quarter = forms.ChoiceField(label="Quarter", required=False)
    programme = forms.ChoiceField(label="Programme", required=False)
    state = forms.ChoiceField(label="State", required=False)

    def __init__(
        self, *args: Any, quarters: list[Quarter], programmes: list[Programme], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q.code, q.label) for q in quarters]
        self.fields["programme"].choices = [("", "All programmes")] + [
            (p.slug, f"{p.number}. {p.name}") for p in programmes
        ]
        self.fields["state"].choices = [("", "Every state"), *COMPLETENESS_STATES]
