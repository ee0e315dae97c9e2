"""Reads of committees, meetings and packs."""

from django.db.models import Prefetch, QuerySet

from scrutiny.models import Committee, Meeting


def committees_with_meetings() -> QuerySet[Committee]:
    """Committees with their members and meetings (newest first) and each meeting's agenda."""
    return Committee.objects.prefetch_related(
        "members",
        Prefetch(
            "meetings",
            queryset=Meeting.objects.prefetch_related("agenda_items").order_by("-starts_at"),
        ),
    )
