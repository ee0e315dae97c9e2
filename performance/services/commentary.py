"""Writes to the quarter's commentary on each report section, edited in the browser."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from bury_hc.periods import Quarter
from bury_hc.services import StaleEdit, versioned_update
from performance.models import SectionCommentary


@transaction.atomic
def section_commentary_save(
    *, section: str, quarter: Quarter, text: str, by, expected_version: int | None
) -> SectionCommentary:
    """Write the quarter's commentary for a report section. `expected_version` is None for a
    new commentary; a stale version (someone saved first) raises StaleEdit."""
    existing = SectionCommentary.objects.filter(section=section, quarter=quarter).first()
    if existing is None:
        if expected_version is not None:
            raise StaleEdit(SectionCommentary(section=section, quarter=quarter, text=""))
        try:
            with transaction.atomic():
                return SectionCommentary.objects.create(
                    section=section, quarter=quarter, text=text, updated_by=by
                )
        except IntegrityError:  # someone created it a moment ago
            raise StaleEdit(
                SectionCommentary.objects.get(section=section, quarter=quarter)
            ) from None
    if expected_version is None:
        raise StaleEdit(existing)
    return versioned_update(
        existing, expected_version=expected_version, values={"text": text, "updated_by": by}
    )
