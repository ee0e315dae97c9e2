"""Reads of the locality plan."""

from django.db.models import Prefetch, QuerySet

from plans.models import LocalityPlan, NeighbourhoodTeam, PartnershipBody, Priority


def plan_current() -> LocalityPlan | None:
    """The current plan with its priorities, or None before any plan is loaded."""
    return (
        LocalityPlan.objects.filter(is_current=True)
        .prefetch_related(Prefetch("priorities", queryset=Priority.objects.order_by("number")))
        .first()
    )


def plans_with_objectives() -> QuerySet[LocalityPlan]:
    """Every plan version with its objectives, outcomes and priorities, newest first."""
    return LocalityPlan.objects.prefetch_related("objectives", "outcomes", "priorities")


def neighbourhood_teams() -> QuerySet[NeighbourhoodTeam]:
    return NeighbourhoodTeam.objects.all()


def partnership_bodies() -> QuerySet[PartnershipBody]:
    return PartnershipBody.objects.select_related("reports_to")
