"""Forms for the measure catalogue, targets, annotations and section commentary."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Fixed, Submit
from django import forms

from bury_hc.forms import form_helper
from performance.models import Measure, MeasureAnnotation, Target


class MeasureForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Measure
        fields = [
            "code",
            "name",
            "group",
            "report_section",
            "polarity",
            "frequency",
            "unit",
            "decimal_places",
            "data_source",
            "definition",
            "what_good_looks_like",
            "programmes",
            "objectives",
            "in_highlight_report",
            "highlight_order",
            "is_active",
        ]
        labels = {
            "code": "Code",
            "name": "Name",
            "group": "Obsession or outcome it serves",
            "report_section": "Report section",
            "decimal_places": "Decimal places shown",
            "what_good_looks_like": "What good looks like",
            "in_highlight_report": "Show in the quarterly highlight report",
            "highlight_order": "Position in the highlight report",
            "is_active": "In use",
        }
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 4}),
            "what_good_looks_like": forms.Textarea(attrs={"rows": 3}),
            "programmes": forms.CheckboxSelectMultiple,
            "objectives": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["code"].disabled = True  # codes are how imports find a measure
        self.helper = form_helper(
            Field.text("code", field_width=Fixed.TWENTY),
            Field.text("name"),
            Field.select("group"),
            Field.select("report_section"),
            Field.radios("polarity", inline=True),
            Field.radios("frequency", inline=True),
            Field.select("unit"),
            Field.text("decimal_places", field_width=Fixed.TWO),
            Field.text("data_source"),
            Field.textarea("definition", rows=4),
            Field.textarea("what_good_looks_like", rows=3),
            Field.checkboxes("programmes", small=True),
            Field.checkboxes("objectives", small=True),
            Field.checkbox("in_highlight_report"),
            Field.text("highlight_order", field_width=Fixed.FIVE),
            Field.checkbox("is_active"),
            Field("version"),
            Submit("submit", "Save measure"),
        )


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["applies_from", "applies_to", "value", "tolerance", "note"]
        labels = {
            "applies_from": "Applies from",
            "applies_to": "Applies to",
            "value": "Target value",
            "tolerance": "Tolerance",
            "note": "Note (optional)",
        }
        help_texts = {
            "applies_from": "A date, for example 2024-04-01",
            "applies_to": "A date, for example 2025-03-31",
            "tolerance": "How far on the wrong side of the target still counts as within "
            "tolerance, in the measure's own unit. 0 for none.",
        }
        widgets = {
            "applies_from": forms.DateInput(attrs={"type": "date"}),
            "applies_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applies_from"].error_messages["required"] = "Enter the first date it applies"
        self.fields["applies_to"].error_messages["required"] = "Enter the last date it applies"
        self.fields["value"].error_messages["required"] = "Enter the target value"
        self.helper = form_helper(
            Field.text("applies_from", field_width=Fixed.TEN),
            Field.text("applies_to", field_width=Fixed.TEN),
            Field.text("value", field_width=Fixed.TEN),
            Field.text("tolerance", field_width=Fixed.TEN),
            Field.text("note"),
            Submit("submit", "Add target"),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("applies_from"), cleaned.get("applies_to")
        if start and end and end < start:
            self.add_error("applies_to", "The last date must be on or after the first date")
        tolerance = cleaned.get("tolerance")
        if tolerance is not None and tolerance < 0:
            self.add_error("tolerance", "Tolerance cannot be negative")
        return cleaned


class AnnotationForm(forms.ModelForm):
    class Meta:
        model = MeasureAnnotation
        fields = ["kind", "applies_from", "text"]
        labels = {"kind": "What kind of note", "applies_from": "From", "text": "Note"}
        widgets = {
            "applies_from": forms.DateInput(attrs={"type": "date"}),
            "text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = "Enter the note"
        self.fields["applies_from"].error_messages["required"] = "Enter the date it applies from"
        self.helper = form_helper(
            Field.radios("kind"),
            Field.text("applies_from", field_width=Fixed.TEN),
            Field.textarea("text", rows=4),
            Submit("submit", "Add note"),
        )


class CommentaryForm(forms.Form):
    text = forms.CharField(
        label="Commentary",
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "Enter the commentary"},
        help_text="What changed this quarter, why, and what is being done. Plain English.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Field.textarea("text", rows=12),
            Field("version"),
            Submit("submit", "Save commentary"),
        )
