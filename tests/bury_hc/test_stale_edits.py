"""The shared stale-edit page's differences: what someone entered beside what is stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.contrib.auth.models import Group

from bury_hc.stale_edits import edit_differences, last_editor


class ExampleForm(forms.Form):
    title = forms.CharField(label="Title")
    colour = forms.ChoiceField(label="Colour", choices=[("r", "Red"), ("g", "Green")])
    sections = forms.MultipleChoiceField(label="Sections", choices=[("a", "One"), ("b", "Two")])
    due = forms.DateField(label="Due", required=False)
    group = forms.ModelChoiceField(label="Group", queryset=Group.objects.all(), required=False)
    version = forms.IntegerField(required=False)


@pytest.mark.django_db
def test_differences_name_only_the_fields_that_differ_in_words_people_use():
    readers = Group.objects.create(name="Readers")
    form = ExampleForm(
        {"title": "Mine", "colour": "r", "sections": ["a", "b"], "group": readers.pk}
    )
    assert form.is_valid(), form.errors
    stored = {"title": "Theirs", "colour": "g", "sections": ["a", "b"], "due": dt.date(2025, 3, 31)}

    rows = edit_differences(form, stored, form.cleaned_data)

    assert rows == [
        {"label": "Title", "yours": "Mine", "saved": "Theirs"},
        {"label": "Colour", "yours": "Red", "saved": "Green"},
        {"label": "Due", "yours": "(blank)", "saved": "31 March 2025"},
        {"label": "Group", "yours": "Readers", "saved": "(blank)"},
    ]


@pytest.mark.django_db
def test_a_stored_key_and_the_chosen_record_are_the_same_value():
    readers = Group.objects.create(name="Readers")
    form = ExampleForm({"title": "T", "colour": "r", "sections": ["a"], "group": readers.pk})
    assert form.is_valid()

    rows = edit_differences(
        form,
        {"title": "T", "colour": "r", "sections": ["a"], "group": readers.pk},
        form.cleaned_data,
    )

    assert rows == []


@pytest.mark.django_db
def test_last_editor_is_none_for_a_record_without_history():
    assert last_editor(Group.objects.create(name="No history")) is None
