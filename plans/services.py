"""Writes to the locality plan: plan versions, their items, teams, bodies and organisations.

Each `*_upsert` is keyed on the entity's natural key and idempotent: it creates the row if it is
missing, saves only the fields whose values differ, and says which of the three it did, so a
loader can report what changed. None sends anything or has side effects beyond its own rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bury_hc.services import Change, record_upsert
from plans.models import (
    LocalityPlan,
    NeighbourhoodTeam,
    Objective,
    Organisation,
    Outcome,
    PartnershipBody,
    Priority,
    WorkingPrinciple,
)


@transaction.atomic
def plan_upsert(
    *,
    short_name: str,
    title: str,
    endorsed_on: dt.date | None = None,
    endorsed_by: str = "",
    summary: str = "",
    is_current: bool = False,
    source_document: str = "",
) -> tuple[LocalityPlan, Change]:
    """Create or update the plan version named `short_name`.

    Making a plan current first makes any other current plan not current (one current plan at
    a time); that counts as a change to this plan.
    """
    demoted = 0
    if is_current:
        demoted = (
            LocalityPlan.objects.filter(is_current=True)
            .exclude(short_name=short_name)
            .update(is_current=False)
        )
    plan, change = record_upsert(
        LocalityPlan,
        lookup={"short_name": short_name},
        values={
            "title": title,
            "endorsed_on": endorsed_on,
            "endorsed_by": endorsed_by,
            "summary": summary,
            "is_current": is_current,
            "source_document": source_document,
        },
    )
    return plan, ("updated" if demoted and change == "unchanged" else change)


def objective_upsert(*, plan: LocalityPlan, number: int, text: str) -> tuple[Objective, Change]:
    """Create or update objective `number` of the plan."""
    return record_upsert(Objective, lookup={"plan": plan, "number": number}, values={"text": text})


def outcome_upsert(*, plan: LocalityPlan, number: int, text: str) -> tuple[Outcome, Change]:
    """Create or update overarching outcome `number` of the plan."""
    return record_upsert(Outcome, lookup={"plan": plan, "number": number}, values={"text": text})


def working_principle_upsert(
    *, plan: LocalityPlan, number: int, text: str
) -> tuple[WorkingPrinciple, Change]:
    """Create or update way-we-work principle `number` of the plan."""
    return record_upsert(
        WorkingPrinciple, lookup={"plan": plan, "number": number}, values={"text": text}
    )


def priority_upsert(
    *, plan: LocalityPlan, number: int, title: str, description: str = ""
) -> tuple[Priority, Change]:
    """Create or update priority `number` of the plan."""
    return record_upsert(
        Priority,
        lookup={"plan": plan, "number": number},
        values={"title": title, "description": description},
    )


def neighbourhood_team_upsert(
    *, slug: str, name: str, order: int, description: str = ""
) -> tuple[NeighbourhoodTeam, Change]:
    """Create or update the integrated neighbourhood team with this slug."""
    return record_upsert(
        NeighbourhoodTeam,
        lookup={"slug": slug},
        values={"name": name, "order": order, "description": description},
    )


def partnership_body_upsert(
    *,
    slug: str,
    name: str,
    purpose: str = "",
    chair: str = "",
    reports_to: PartnershipBody | None = None,
    order: int = 0,
) -> tuple[PartnershipBody, Change]:
    """Create or update the partnership body with this slug."""
    return record_upsert(
        PartnershipBody,
        lookup={"slug": slug},
        values={
            "name": name,
            "purpose": purpose,
            "chair": chair,
            "reports_to": reports_to,
            "order": order,
        },
    )


def organisation_upsert(
    *,
    short_name: str,
    name: str,
    kind: Organisation.Kind | str,
    description: str = "",
    is_active: bool = True,
) -> tuple[Organisation, Change]:
    """Create or update the partner organisation with this short name."""
    return record_upsert(
        Organisation,
        lookup={"short_name": short_name},
        values={
            "name": name,
            "kind": Organisation.Kind(kind),
            "description": description,
            "is_active": is_active,
        },
    )
