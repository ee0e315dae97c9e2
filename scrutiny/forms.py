"""Forms for building packs: validation at the edge; the services do the writing."""

from __future__ import annotations

from django import forms

from bury_hc.periods import PeriodParseError, Quarter
from scrutiny.models import AgendaItem, Meeting, PackExport, PackSection
from scrutiny.selectors import COVER_FIELDS

TEXT = {"class": "govuk-input"}
AREA = {"class": "govuk-textarea", "rows": 4}


class PackSectionsMixin(forms.Form):
    title = forms.CharField(max_length=255, widget=forms.TextInput(attrs=TEXT))
    sections = forms.MultipleChoiceField(
        choices=PackSection.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one section for the pack"},
    )


class PackCreateForm(PackSectionsMixin):
    quarter = forms.CharField(
        max_length=20,
        help_text="For example, 2024/25 Q4",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )
    agenda_item = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()

    def clean_quarter(self) -> Quarter:
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except PeriodParseError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PackEditForm(PackSectionsMixin):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in COVER_FIELDS:
            help_text = ""
            if key == "recommendations":
                help_text = "One recommendation a line; they are numbered in the pack."
            elif key == "glossary":
                help_text = "One term a line, as Term: meaning."
            self.fields[f"cover_{key}"] = forms.CharField(
                label=label,
                required=False,
                help_text=help_text,
                widget=forms.Textarea(attrs=AREA),
            )

    def cover(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[f"cover_{key}"].strip()
            for key, _ in COVER_FIELDS
            if self.cleaned_data.get(f"cover_{key}", "").strip()
        }

    def cover_fields(self):
        return [self[f"cover_{key}"] for key, _ in COVER_FIELDS]


class PackExportForm(forms.Form):
    format = forms.ChoiceField(choices=PackExport.Format.choices)
