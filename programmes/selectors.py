"""Reads of programmes and milestones."""

from django.db.models import Count, Prefetch, Q, QuerySet

from plans.models import Priority
from programmes.models import Milestone, Programme


def programmes_for_overview() -> QuerySet[Programme]:
    """Active programmes with their priorities, leads and milestone counts, in number order."""
    return (
        Programme.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("priorities", queryset=Priority.objects.order_by("number")), "leads"
        )
        .annotate(milestone_count=Count("milestones", filter=Q(milestones__is_active=True)))
        .order_by("number")
    )


def programme_detail(*, slug: str) -> Programme:
    """One programme with what its page shows; raises Programme.DoesNotExist."""
    return Programme.objects.prefetch_related(
        "priorities",
        "objectives",
        "leads",
        "approvers",
        Prefetch(
            "milestones",
            queryset=Milestone.objects.filter(is_active=True)
            .select_related("neighbourhood", "owner")
            .order_by("due_quarter", "title"),
        ),
    ).get(slug=slug, is_active=True)
