"""Writes to programmes and milestones (reference data; the quarterly update workflow is separate).

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from bury_hc.periods import Quarter
from bury_hc.services import Change, m2m_ensure, record_upsert
from plans.models import NeighbourhoodTeam, Objective, Organisation, Priority
from programmes.models import Milestone, Programme


@transaction.atomic
def programme_upsert(
    *,
    slug: str,
    number: int,
    name: str,
    description: str = "",
    priorities: Iterable[Priority] = (),
    objectives: Iterable[Objective] = (),
    lead_organisation: Organisation | None = None,
    is_active: bool = True,
) -> tuple[Programme, Change]:
    """Create or update the programme with this slug; its priorities and objectives become
    exactly those given. Leads and approvers are left alone (see `programme_people_add`)."""
    programme, change = record_upsert(
        Programme,
        lookup={"slug": slug},
        values={
            "number": number,
            "name": name,
            "description": description,
            "lead_organisation": lead_organisation,
            "is_active": is_active,
        },
    )
    linked = m2m_ensure(programme, field="priorities", targets=priorities)
    linked |= m2m_ensure(programme, field="objectives", targets=objectives)
    return programme, ("updated" if linked and change == "unchanged" else change)


@transaction.atomic
def programme_people_add(
    *,
    programme: Programme,
    leads: Iterable[AbstractBaseUser] = (),
    approvers: Iterable[AbstractBaseUser] = (),
) -> Change:
    """Add people as the programme's leads and approvers, keeping anyone already there."""
    changed = m2m_ensure(programme, field="leads", targets=leads, exact=False)
    changed |= m2m_ensure(programme, field="approvers", targets=approvers, exact=False)
    return "updated" if changed else "unchanged"


@transaction.atomic
def milestone_upsert(
    *,
    programme: Programme,
    title: str,
    due_quarter: Quarter,
    description: str = "",
    source: str = "",
    start_quarter: Quarter | None = None,
    owner_name: str = "",
    neighbourhood: NeighbourhoodTeam | None = None,
    priorities: Iterable[Priority] = (),
) -> tuple[Milestone, Change]:
    """Create or update the programme's milestone with this title due in this quarter.

    Leaves the owner, version and updates alone: those belong to the quarterly workflow.
    """
    milestone, change = record_upsert(
        Milestone,
        lookup={"programme": programme, "title": title, "due_quarter": due_quarter},
        values={
            "description": description,
            "source": source,
            "start_quarter": start_quarter,
            "owner_name": owner_name,
            "neighbourhood": neighbourhood,
        },
    )
    linked = m2m_ensure(milestone, field="priorities", targets=priorities)
    return milestone, ("updated" if linked and change == "unchanged" else change)
