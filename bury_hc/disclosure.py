"""Small-number suppression: counts of people small enough to identify someone are never shown.

A count under `SMALL_NUMBER` is shown as "fewer than 5". Where exactly one part of a total is
suppressed, the total would give it away (total minus the others), so the next smallest part is
suppressed too (secondary suppression); a total under the threshold is itself suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

SMALL_NUMBER = 5
SUPPRESSED = f"fewer than {SMALL_NUMBER}"
SECONDARY = "not shown (would reveal a small number)"
RULE = (
    f"Counts under {SMALL_NUMBER} are shown as “{SUPPRESSED}”, and where a total would reveal "
    "one, the next smallest count is hidden too."
)


def suppressed_parts(
    parts: Mapping[str, Decimal | None], *, total_shown: bool = True
) -> dict[str, str]:
    """Which parts to hide, and why: {name: SUPPRESSED or SECONDARY}. Parts without a value are
    left alone. With a total shown, one hidden part is never left alone: the smallest other
    part is hidden with it."""
    known = {name: value for name, value in parts.items() if value is not None}
    hidden = {name: SUPPRESSED for name, value in known.items() if value < SMALL_NUMBER}
    if total_shown and len(hidden) == 1 and len(known) > 1:
        others = sorted((value, name) for name, value in known.items() if name not in hidden)
        hidden[others[0][1]] = SECONDARY
    return hidden


def total_text_or_suppressed(total: Decimal | None) -> str | None:
    """SUPPRESSED for a total under the threshold, else None (show it)."""
    if total is not None and total < SMALL_NUMBER:
        return SUPPRESSED
    return None
