"""Forms of the import pages: the upload, and the mapping of a table in no standard format."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath
from typing import Any

from crispy_forms_gds.layout import Field, Fieldset, Fixed, Size, Submit
from django import forms

from bury_hc.forms import form_helper
from performance.importing import FORMAT_LABELS, ImportFormat
from performance.importing.catalogue import text_key
from performance.importing.formats import MISSING_VALUES, period_label_ok
from performance.models import Area, ImportMappingProfile, Measure

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SKIP = "__skip__"
MAX_LABELS = 40


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A CSV file or an Excel workbook (.xlsx; the first sheet is read).",
        error_messages={
            "required": "Choose the file to import",
            "empty": "The selected file is empty",
        },
    )
    file_format = forms.ChoiceField(
        label="How is the file laid out?",
        choices=[(f.value, FORMAT_LABELS[f]) for f in ImportFormat],
        widget=forms.RadioSelect,
        error_messages={"required": "Say how the file is laid out"},
    )
    source = forms.CharField(
        label="Source",
        max_length=255,
        help_text="Who published the figures, for example NHS England (ASCOF).",
        error_messages={"required": "Enter who published the figures"},
    )
    published_on = forms.DateField(
        label="Publication date (optional)",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"],
        help_text="For example, 19/06/2025.",
        error_messages={"invalid": "Enter the publication date as day/month/year, e.g. 19/06/2025"},
    )
    mapping_profile = forms.ModelChoiceField(
        label="Saved mapping (optional)",
        queryset=ImportMappingProfile.objects.all(),
        required=False,
        empty_label="None: I will map the columns",
        help_text="For another table: a mapping saved from an earlier import of the same layout.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Field("file"),
            Field.radios("file_format", legend_size=Size.SMALL),
            Field.text("source"),
            Field.text("published_on", field_width=Fixed.TEN),
            Field.select("mapping_profile"),
            Submit("submit", "Upload and check"),
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in {".csv", ".txt", ".xlsx", ".xlsm"}:
            raise forms.ValidationError("The file must be a CSV file or an Excel (.xlsx) workbook")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 200 MB")
        return upload

    def clean_published_on(self) -> dt.date | None:
        value = self.cleaned_data.get("published_on")
        if value and value > dt.date.today():  # noqa: DTZ011 - a calendar date is meant
            raise forms.ValidationError("The publication date must be today or in the past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mapping_profile") and data.get("file_format") != ImportFormat.MAPPED:
            self.add_error(
                "mapping_profile",
                "A saved mapping is for another table: choose “Another table” as the layout, "
                "or no saved mapping",
            )
        return data


class MappingForm(forms.Form):
    """Which columns hold area, measure, period and value, or fixed values for what the file
    lacks; for wide tables, which columns hold values and whether they are periods or
    measures; and, once the measure column is known, which measure each of its labels means."""

    layout = forms.ChoiceField(
        label="How are the values laid out?",
        choices=[
            ("long", "One value a row (a column holds the value)"),
            ("wide", "Several value columns (each column is a period, or a measure)"),
        ],
        widget=forms.RadioSelect,
        initial="long",
    )
    columns_are = forms.ChoiceField(
        label="For several value columns: their headings are",
        choices=[("periods", "Periods (for example Apr-24, May-24)"), ("measures", "Measures")],
        widget=forms.RadioSelect,
        initial="periods",
        required=False,
    )
    value_columns = forms.MultipleChoiceField(
        label="For several value columns: the columns that hold values",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    area_column = forms.ChoiceField(label="Column with the area", required=False)
    area_fixed = forms.ModelChoiceField(
        label="Or the same area for the whole file",
        queryset=Area.objects.filter(is_active=True),
        to_field_name="ons_code",
        required=False,
        empty_label="Not the same for every row",
    )
    measure_column = forms.ChoiceField(
        label="Column with the measure (its code, name or a label)", required=False
    )
    measure_fixed = forms.ModelChoiceField(
        label="Or the same measure for the whole file",
        queryset=Measure.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="Not the same for every row",
    )
    period_column = forms.ChoiceField(label="Column with the period", required=False)
    period_fixed = forms.CharField(
        label="Or the same period for the whole file",
        required=False,
        help_text="For example 2024/25 Q4, Mar-25 or 2024/25.",
    )
    value_column = forms.ChoiceField(
        label="For one value a row: the column with the value", required=False
    )
    value_note_column = forms.ChoiceField(
        label="Column with a note on the value (optional)", required=False
    )
    unit_column = forms.ChoiceField(
        label="Column with the unit (optional)",
        required=False,
        help_text="Where the file says each value's unit (for example %, per 100,000), the check "
        "shows the values whose unit is not their measure's, for you to confirm.",
    )
    blank_note = forms.CharField(
        label="Note for blank cells (optional)",
        required=False,
        max_length=255,
        help_text="For example “Not published”. Without one, blank cells in a wide table are left "
        "out, and a blank value in a long table is a problem.",
    )
    missing_values = forms.CharField(
        label="Markers of a missing value",
        required=False,
        max_length=200,
        initial=", ".join(MISSING_VALUES),
        help_text="What the file writes where there is no value, separated by commas; c is read "
        "as suppressed. A value with one of these is kept as missing, with a note saying so.",
    )
    save_as = forms.CharField(
        label="Save this mapping as (optional)",
        required=False,
        max_length=120,
        help_text="A name to reuse it next quarter, for example “Long-term services (monthly)”.",
    )

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        labels: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        column_choices = [("", "None")] + [(h, h) for h in headers]
        for name in ("area_column", "measure_column", "period_column", "value_column"):
            self.fields[name].choices = column_choices
        self.fields["value_note_column"].choices = column_choices
        self.fields["unit_column"].choices = column_choices
        self.fields["value_columns"].choices = [(h, h) for h in headers]
        measure_choices = [("", "Choose a measure"), (SKIP, "Do not import these")] + [
            (code, f"{code}: {name}")
            for code, name in Measure.objects.filter(is_active=True)
            .order_by("code")
            .values_list("code", "name")
        ]
        self.label_fields: list[tuple[str, str]] = []
        for label in (labels or [])[:MAX_LABELS]:
            name = label_field_name(label)
            self.fields[name] = forms.ChoiceField(
                label=f"“{label}” means",
                choices=measure_choices,
                required=True,
                error_messages={
                    "required": f"Choose the measure “{label}” means, or not to import it"
                },
            )
            self.label_fields.append((name, label))
        fields: list[Any] = [
            Field.radios("layout", legend_size=Size.SMALL),
            Fieldset(
                Field.radios("columns_are", legend_size=Size.SMALL),
                Field.checkboxes("value_columns", legend_size=Size.SMALL, small=True),
                legend="Several value columns",
                legend_size=Size.SMALL,
            ),
            Fieldset(
                Field.select("area_column"),
                Field.select("area_fixed"),
                legend="Area",
                legend_size=Size.SMALL,
            ),
            Fieldset(
                Field.select("measure_column"),
                Field.select("measure_fixed"),
                legend="Measure",
                legend_size=Size.SMALL,
            ),
            Fieldset(
                Field.select("period_column"),
                Field.text("period_fixed", field_width=Fixed.TEN),
                legend="Period",
                legend_size=Size.SMALL,
            ),
            Fieldset(
                Field.select("value_column"),
                Field.select("value_note_column"),
                Field.select("unit_column"),
                Field.text("blank_note"),
                Field.text("missing_values"),
                legend="Values",
                legend_size=Size.SMALL,
            ),
        ]
        if self.label_fields:
            fields.append(
                Fieldset(
                    *(Field.select(name) for name, _ in self.label_fields),
                    legend="Which measure each label means",
                    legend_size=Size.SMALL,
                )
            )
        fields.append(Field.text("save_as"))
        self.helper = form_helper(*fields, Submit("submit", "Check the file with this mapping"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        layout = data.get("layout")
        wide = layout == "wide"
        columns_are = data.get("columns_are") or "periods"
        wants = {"area": True, "measure": not (wide and columns_are == "measures")}
        wants["period"] = not (wide and columns_are == "periods")
        for role, wanted in wants.items():
            column, fixed = data.get(f"{role}_column"), data.get(f"{role}_fixed")
            if wanted and not column and not fixed:
                self.add_error(
                    f"{role}_column",
                    f"Choose the column with the {role}, or give one {role} for the whole file",
                )
            if column and fixed:
                self.add_error(
                    f"{role}_fixed",
                    f"Choose a column for the {role} or one {role} for the whole file, not both",
                )
        if not wide and not data.get("value_column"):
            self.add_error("value_column", "Choose the column with the value")
        if wide and not data.get("value_columns"):
            self.add_error("value_columns", "Choose the columns that hold values")
        return data

    def mapping(self) -> dict[str, Any]:
        """The mapping as the importer takes it (and as a profile saves it)."""
        data = self.cleaned_data
        wide = data["layout"] == "wide"
        mapping: dict[str, Any] = {"layout": data["layout"]}
        if wide:
            mapping["columns_are"] = data.get("columns_are") or "periods"
            every_period = [h for h in self.headers if period_label_ok(h)]
            if mapping["columns_are"] == "measures" or list(data["value_columns"]) != every_period:
                mapping["value_columns"] = list(data["value_columns"])
            # else: every column headed by a period, whatever the months next quarter
        for role in ("area", "measure", "period"):
            spec = _role_spec(data.get(f"{role}_column"), data.get(f"{role}_fixed"))
            if spec:
                mapping[role] = spec
        if not wide:
            mapping["value"] = {"column": data["value_column"]}
        if data.get("value_note_column"):
            mapping["value_note"] = {"column": data["value_note_column"]}
        if data.get("unit_column"):
            mapping["unit"] = {"column": data["unit_column"]}
        if data.get("blank_note"):
            mapping["blank_note"] = data["blank_note"]
        mapping["missing_values"] = [
            marker.strip() for marker in data.get("missing_values", "").split(",") if marker.strip()
        ]
        labels = {
            label: ("" if data[name] == SKIP else data[name])
            for name, label in self.label_fields
            if data.get(name)
        }
        if labels:
            target = "measure" if not (wide and mapping.get("columns_are") == "measures") else None
            if target and "column" in mapping.get("measure", {}):
                mapping["measure"]["labels"] = labels
            elif not target:
                mapping["measure"] = {"labels": labels}
        return mapping


def label_field_name(label: str) -> str:
    """The form field for a label: named by the label's text, never its position, so a saved
    choice can only ever apply to the label it was made for."""
    return "label_" + hashlib.sha256(text_key(label).encode()).hexdigest()[:16]


def _role_spec(column: str | None, fixed: Any) -> dict[str, str] | None:
    """A role's mapping: the column it is read from, or the one value for the whole file."""
    if column:
        return {"column": column}
    if isinstance(fixed, Area):
        return {"fixed": fixed.ons_code}
    if isinstance(fixed, Measure):
        return {"fixed": fixed.code}
    return {"fixed": str(fixed)} if fixed else None


def labels_to_map(distinct: list[str]) -> list[str]:
    """Labels (from the measure column, or the headings of measure columns) that are not a
    measure's code or name, for the analyst to match to measures."""
    known = {text_key(code) for code in Measure.objects.values_list("code", flat=True)}
    known |= {text_key(name) for name in Measure.objects.values_list("name", flat=True)}
    return [label for label in distinct if label and text_key(label) not in known]


def mapping_initial(mapping: dict[str, Any]) -> dict[str, Any]:
    """Form values from a saved mapping, to show it again for editing."""
    initial: dict[str, Any] = {
        "layout": mapping.get("layout", "long"),
        "columns_are": mapping.get("columns_are", "periods"),
        "value_columns": mapping.get("value_columns", []),
        "blank_note": mapping.get("blank_note", ""),
        "missing_values": ", ".join(mapping.get("missing_values", MISSING_VALUES)),
    }
    for role in ("area", "measure", "period", "value", "value_note", "unit"):
        spec = mapping.get(role) or {}
        if spec.get("column"):
            initial[f"{role}_column"] = spec["column"]
        if spec.get("fixed"):
            initial[f"{role}_fixed"] = spec["fixed"]
    return initial
