"""The Bury demo data opens the 2024/25 Q4 cycle for the demo programme lead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from bury_hc.periods import Quarter
from demo.loader import demo_load
from programmes import selectors
from programmes.models import ReportingCycle

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@pytest.fixture
def loaded(shared_demo):
    return shared_demo


def test_demo_opens_the_2024_25_q4_cycle_with_a_deadline(loaded):
    cycle = ReportingCycle.objects.get()

    assert cycle.quarter == Quarter(2024, 4)
    assert cycle.is_open
    assert cycle.opens_on == dt.date(2025, 4, 1)
    assert cycle.deadline == dt.date(2025, 5, 16)


def test_demo_lead_has_the_eight_milestones_due_in_2024_25_q4(loaded):
    lead = User.objects.get(username="programme.lead")

    (worklist,) = selectors.lead_worklists(user=lead)

    titles = {programme.name: len(items) for programme, items in worklist.to_enter.items()}
    assert titles == {"Learning Disabilities and Autism": 3, "Adult Social Care Transformation": 5}
    assert worklist.outstanding == 8


def test_demo_cycle_reload_changes_nothing(loaded):
    again = demo_load(fixtures_dir=FIXTURES, with_demo_users=True)

    counts = {entity.label: entity for entity in again.changes}
    assert counts["reporting cycles"].unchanged == 1
    assert not again.changed_anything
