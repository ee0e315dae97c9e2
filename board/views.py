"""The overview: the Locality Board's exceptions page."""

import functools
from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from board import selectors
from bury_hc.disclosure import RULE as SUPPRESSION_RULE
from bury_hc.roles import RoleRequiredMixin, user_has_role
from programmes.views import READERS_OF_COMPLETENESS

OVERVIEW_CACHE_SECONDS = 300  # bounds how stale a renamed programme or team can be


class OverviewView(RoleRequiredMixin, TemplateView):
    """One query beyond signing in while the overview's data is unchanged: the page body is
    cached under `board_state`'s version (and the day, the neighbourhood asked for); the
    overview itself is read only when the cache misses."""

    template_name = "board/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        state = selectors.board_state(user=self.request.user)
        neighbourhood = self.request.GET.get("neighbourhood", "")[:80]
        today = timezone.localdate()
        overview = functools.cache(
            lambda: selectors.board_overview(
                quarter=state.quarter, neighbourhood_slug=neighbourhood, today=today
            )
        )
        # The cached body differs only in whether it links to the completeness page.
        can_see_completeness = user_has_role(self.request.user, *READERS_OF_COMPLETENESS)
        return super().get_context_data(
            state=state,
            overview=overview,
            can_see_completeness=can_see_completeness,
            cache_key_parts=(
                state.version,
                state.quarter.code,
                neighbourhood,
                today.isoformat(),
                can_see_completeness,
            ),
            cache_seconds=OVERVIEW_CACHE_SECONDS,
            suppression_rule=SUPPRESSION_RULE,
            **kwargs,
        )
