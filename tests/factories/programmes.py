"""Factories for the quarterly milestone cycle: cycles, updates, and people in their roles."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import User

from bury_hc.periods import Quarter
from bury_hc.roles import Role
from programmes.models import Programme
from tests.factories import MilestoneFactory, ProgrammeFactory, UserFactory, user_with_role

__all__ = [
    "MilestoneFactory",
    "MilestoneUpdateFactory",
    "ProgrammeFactory",
    "ReportingCycleFactory",
    "approver_of",
    "lead_of",
]


class ReportingCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.ReportingCycle"
        django_get_or_create = ["quarter"]

    quarter = Quarter(2024, 4)
    opens_on = dt.date(2025, 4, 1)
    deadline = dt.date(2025, 5, 16)
    is_open = True


class MilestoneUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.MilestoneUpdate"

    milestone = factory.SubFactory(MilestoneFactory)
    quarter = Quarter(2024, 4)
    status = "green"
    suggested_status = "green"
    progress_percent = 95
    state = "draft"
    # Submitted, approved and returned updates carry who and when (the check constraints).
    submitted_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.state in ("submitted", "approved")),
        yes_declaration=factory.SubFactory(UserFactory),
        no_declaration=None,
    )
    submitted_at = factory.LazyAttribute(
        lambda o: dt.datetime(2025, 5, 1, 9, 0, tzinfo=dt.UTC) if o.submitted_by else None
    )
    decided_by = factory.Maybe(
        factory.LazyAttribute(lambda o: o.state in ("approved", "returned")),
        yes_declaration=factory.SubFactory(UserFactory),
        no_declaration=None,
    )
    decided_at = factory.LazyAttribute(
        lambda o: dt.datetime(2025, 5, 2, 9, 0, tzinfo=dt.UTC) if o.decided_by else None
    )
    returned_reason = factory.LazyAttribute(lambda o: "Needs more" if o.state == "returned" else "")


def lead_of(programme: Programme, **kwargs) -> User:
    """A user with the Programme lead role, named as one of the programme's leads."""
    user = user_with_role(Role.PROGRAMME_LEAD, **kwargs)
    programme.leads.add(user)
    return user


def approver_of(programme: Programme, role: Role = Role.PERFORMANCE_ANALYST, **kwargs) -> User:
    """A user named as one of the programme's approvers (by default in the performance team)."""
    user = user_with_role(role, **kwargs)
    programme.approvers.add(user)
    return user
