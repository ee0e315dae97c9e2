"""Forms for building packs: validation at the edge; the services do the writing."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import HTML, Field, Fixed, Size
from django import forms

from bury_hc.forms import form_helper
from bury_hc.periods import PeriodParseError, Quarter
from scrutiny.models import AgendaItem, CommitteePack, Meeting, PackExport, PackSection
from scrutiny.selectors import COVER_FIELDS

SECTIONS = Field.checkboxes("sections", legend_size=Size.MEDIUM)


class PackSectionsMixin(forms.Form):
    title = forms.CharField(max_length=255)
    sections = forms.MultipleChoiceField(
        choices=PackSection.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one section for the pack"},
    )


class PackCreateForm(PackSectionsMixin):
    quarter = forms.CharField(max_length=20, help_text="For example, 2024/25 Q4")
    agenda_item = forms.ModelChoiceField(
        label="Agenda item (optional)", queryset=AgendaItem.objects.none(), required=False
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()
        self.helper = form_helper(
            Field.text("title"),
            Field.text("quarter", field_width=Fixed.TEN),
            Field.select("agenda_item"),
            SECTIONS,
        )

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
                label=label, required=False, help_text=help_text, widget=forms.Textarea
            )
        self.helper = form_helper(
            "version",
            Field.text("title"),
            SECTIONS,
            HTML('<h2 class="govuk-heading-l">Report cover</h2>'),
            *(Field.textarea(f"cover_{key}", rows=4) for key, _ in COVER_FIELDS),
        )

    @staticmethod
    def initial_for(pack: CommitteePack) -> dict[str, Any]:
        """The form's values for the pack as it is stored."""
        initial = {"title": pack.title, "sections": pack.sections, "version": pack.version}
        initial.update({f"cover_{k}": v for k, v in (pack.cover or {}).items()})
        return initial

    def cover(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[f"cover_{key}"].strip()
            for key, _ in COVER_FIELDS
            if self.cleaned_data.get(f"cover_{key}", "").strip()
        }


class PackExportForm(forms.Form):
    """Which file to make of a pack; the legend says whether it is the draft or the
    published pack."""

    format = forms.ChoiceField(choices=PackExport.Format.choices, widget=forms.RadioSelect)

    def __init__(self, *args, pack_state: str = "draft", **kwargs) -> None:
        kwargs.setdefault("initial", {"format": PackExport.Format.choices[0][0]})
        super().__init__(*args, **kwargs)
        which = "draft" if pack_state == "draft" else "published"
        self.fields["format"].label = f"Make a file of the {which} pack"
        self.helper = form_helper(Field.radios("format", small=True))
