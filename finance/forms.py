"""Forms for the fund: a line's quarterly figures, an upload, sign-off, reopening, thresholds.

Validation happens here, at the edge, with GOV.UK-style messages; the services then assume
valid input (and re-check the rules that protect the figures).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms_gds.layout import Field, Fixed, Submit
from django import forms
from django.core.exceptions import ValidationError

from bury_hc.formatting import pounds
from bury_hc.forms import affixed_input, form_helper
from bury_hc.numbers import NumberFormField
from finance.services import MONEY_LIMIT
from finance.variance import Thresholds, explanation_prompt, variance_judge

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class MoneyField(NumberFormField):
    """Pounds and pence as people type them: "1250000", "1,250,000.50", "£1,250,000" or
    "(1,250)" for −1,250; read by the strict parser, as uploads are."""

    def __init__(self, *, what: str, allow_negative: bool = True, **kwargs: Any) -> None:
        self.what = what
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(pounds=True, **kwargs)
        self.allow_negative = allow_negative
        self.error_messages.update(
            {
                "required": f"Enter the {what}",
                "invalid": f"Enter the {what} as an amount in pounds, like 1250000 or 1,250,000.50",
                "max_decimal_places": f"Enter the {what} in pounds and pence, with no more than "
                "2 decimal places",
                "max_digits": f"The {what} is too large: enter an amount below £{MONEY_LIMIT:,}",
                "max_whole_digits": f"The {what} is too large: enter an amount below "
                f"£{MONEY_LIMIT:,}",
                "bracket": f"Enter the {what} with both brackets, like (1,250), or with a "
                "minus sign, like -1250",
            }
        )

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is not None and not self.allow_negative and value < 0:
            raise ValidationError(f"The {self.what} cannot be negative", code="negative")
        if value is not None and abs(value) >= MONEY_LIMIT:
            raise ValidationError(self.error_messages["max_digits"], code="max_digits")


class PositionForm(forms.Form):
    """A budget line's figures for a quarter. `thresholds` decide when an explanation is due."""

    budget = MoneyField(
        what="budget",
        allow_negative=False,
        label="Budget for the year (£)",
        help_text="The annual budget after any virements agreed so far.",
    )
    actual_to_date = MoneyField(
        what="actual spend to date",
        label="Actual spend to date (£)",
        help_text="Spend from 1 April to the end of the quarter.",
    )
    forecast_outturn = MoneyField(
        what="forecast outturn",
        label="Forecast outturn (£)",
        help_text="What you expect the line to have spent by 31 March.",
    )
    explanation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Explanation of the variance",
        help_text="Required when the forecast is further from budget than the amber threshold.",
        max_length=4000,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, thresholds: Thresholds, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.thresholds = thresholds
        self.fields["explanation"].error_messages["max_length"] = (
            "The explanation must be 4,000 characters or fewer"
        )
        self.helper = form_helper(
            affixed_input("budget", width=Fixed.TEN, prefix="£", inputmode="decimal"),
            affixed_input("actual_to_date", width=Fixed.TEN, prefix="£", inputmode="decimal"),
            affixed_input("forecast_outturn", width=Fixed.TEN, prefix="£", inputmode="decimal"),
            Field.textarea("explanation", rows=5),
            "version",
            Submit("save", "Save figures"),
        )

    def value_shown(self, name: str, value: Any) -> str | None:
        """Money as the pages show it (on the stale-edit page); None: shown as any value."""
        return pounds(value) if isinstance(value, Decimal) else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        budget, forecast = data.get("budget"), data.get("forecast_outturn")
        if budget is None or forecast is None:
            return data
        variance = variance_judge(budget=budget, forecast=forecast, thresholds=self.thresholds)
        if variance.needs_explanation and not data.get("explanation", "").strip():
            self.add_error("explanation", explanation_prompt(variance, self.thresholds))
        return data


class PositionUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV or Excel (.xlsx) file laid out like the template.",
        error_messages={
            "required": "Select a CSV or Excel file to upload",
            "empty": "The selected file is empty",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(Field("file"), Submit("upload", "Upload figures"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx", ".xlsm", ".txt")):
            raise ValidationError("The selected file must be a CSV or an Excel (.xlsx) file")
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The selected file must be smaller than 5MB")
        return upload


class SignOffForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have reviewed the quarter's figures and explanations",
        error_messages={"required": "Confirm that you have reviewed the figures"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(Field.checkbox("confirm"), Submit("sign_off", "Sign off"))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why does the quarter need reopening?",
        help_text="This is recorded in the quarter's history, with your name.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why the quarter needs reopening"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Field.textarea("reason", rows=4),
            Submit("reopen", "Reopen the quarter", css_class="govuk-button--warning"),
        )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter why the quarter needs reopening")
        return reason


class ThresholdsForm(forms.Form):
    green_within_percent = NumberFormField(
        percent=True,
        label="Green: within this percentage of budget",
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": "Enter the green threshold",
            "invalid": "Enter the green threshold as a number, like 1 or 1.5",
            "min_value": "The green threshold must be 0 or more",
            "max_value": "The green threshold must be 100 or less",
            "max_digits": "The green threshold must be 100 or less",
            "max_decimal_places": "Enter the green threshold with no more than 2 decimal places",
        },
    )
    amber_within_percent = NumberFormField(
        percent=True,
        label="Amber: within this percentage of budget",
        help_text="Beyond this, a line is red and needs an explanation.",
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": "Enter the amber threshold",
            "invalid": "Enter the amber threshold as a number, like 3 or 2.5",
            "min_value": "The amber threshold must be 0 or more",
            "max_value": "The amber threshold must be 100 or less",
            "max_digits": "The amber threshold must be 100 or less",
            "max_decimal_places": "Enter the amber threshold with no more than 2 decimal places",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.input_type = "text"
            field.widget.attrs["inputmode"] = "decimal"
        self.helper = form_helper(
            Field.text("green_within_percent", field_width=Fixed.FIVE),
            Field.text("amber_within_percent", field_width=Fixed.FIVE),
            Submit("save", "Save thresholds"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        green, amber = data.get("green_within_percent"), data.get("amber_within_percent")
        if green is not None and amber is not None and amber < green:
            self.add_error(
                "amber_within_percent",
                "The amber threshold must be the same as the green threshold or more",
            )
        return data
