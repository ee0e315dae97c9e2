"""The stale-edit page every app shows when a save is refused because someone else saved first
(`bury_hc.services.StaleEdit`): answered 409 Conflict, with what this person entered beside
what is now stored, field by field, and who saved it (`templates/includes/stale_edit.html`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

STALE_EDIT_STATUS = 409  # Conflict: the request was refused because the record has moved on


def stale_edit_context(
    *, form: forms.BaseForm, stored: dict[str, Any], current: models.Model | None
) -> dict[str, Any]:
    """The include's context: the fields where the form's cleaned values differ from `stored`
    (the record as it now stands, as the form's initial values), and who saved it last."""
    return {
        "differences": edit_differences(form, stored, form.cleaned_data),
        "saved_by": last_editor(current) if current is not None else None,
    }


def edit_differences(
    form: forms.BaseForm, stored: dict[str, Any], theirs: dict[str, Any]
) -> list[dict[str, str]]:
    """Field by field, where what this person entered differs from what is now stored. A form
    may say how its values read (`value_shown(name, value)`, e.g. money as £1,234)."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or name not in theirs:
            continue
        mine = _form_shown(form, name, theirs.get(name))
        saved = _form_shown(form, name, stored.get(name))
        if mine != saved:
            rows.append({"label": str(field.label or name), "yours": mine, "saved": saved})
    return rows


def last_editor(record: models.Model) -> dict[str, Any] | None:
    """Who saved the record last and when, from its history (None without one)."""
    history = getattr(record, "history", None)
    latest = (
        history.select_related("history_user").order_by("-history_date").first()
        if history is not None
        else None
    )
    if latest is None:
        return None
    user = latest.history_user
    return {
        "who": (user.get_full_name() or user.get_username()) if user else "The system",
        "when": latest.history_date,
    }


def _form_shown(form: forms.BaseForm, name: str, value: Any) -> str:
    value_shown = getattr(form, "value_shown", None)
    shown = value_shown(name, value) if value_shown is not None else None
    return shown if shown is not None else _shown(form.fields[name], value)


def _shown(field: forms.Field, value: Any) -> str:
    """A value as the person would recognise it: a choice's label, a record's name, a date."""
    if value in (None, "") or (isinstance(value, list | tuple) and not value):
        return "(blank)"
    if isinstance(field, forms.ModelChoiceField):
        return _records_shown(field, value)
    if hasattr(value, "label") and not isinstance(value, str):
        return value.label
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list | tuple):
        return "; ".join(str(choices.get(item, item)) for item in value)
    if choices:
        return str(choices.get(value, value))
    if hasattr(value, "strftime"):
        return f"{value:%-d %B %Y}"
    return str(value)


def _records_shown(field: forms.ModelChoiceField, value: Any) -> str:
    """Records (or their keys) by the labels the field gives them, in the order given."""
    if hasattr(value, "all"):
        items = list(value.all())
    else:
        items = list(value) if isinstance(value, list | tuple) else [value]
    records = [
        # A model choice field always has its queryset by the time a form is shown.
        item if isinstance(item, models.Model) else field.queryset.filter(pk=item).first()  # type: ignore[union-attr]
        for item in items
    ]
    return "; ".join(field.label_from_instance(r) for r in records if r is not None) or "(blank)"
