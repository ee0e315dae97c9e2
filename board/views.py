"""The overview: the Locality Board's exceptions page."""

import functools
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from board import selectors
from bury_hc.disclosure import RULE as SUPPRESSION_RULE
from bury_hc.page_cache import CachedBodyMixin
from bury_hc.roles import RoleRequiredMixin, user_has_role
from programmes.views import READERS_OF_COMPLETENESS

OVERVIEW_CACHE_SECONDS = 300  # bounds how stale a renamed programme or team can be


class OverviewView(RoleRequiredMixin, CachedBodyMixin, TemplateView):
    """One query beyond signing in while the overview's data is unchanged: the page body is
    cached under `board_state`'s version (and the day, the neighbourhood asked for); the
    overview itself is read only when the cache misses. The body differs by role only in
    whether it links to the completeness page (what differs by person, their own work, is in
    the frame)."""

    template_name = "board/overview.html"
    body_template_name = "board/_overview_body.html"
    body_cache_name = "board_overview"
    body_cache_seconds = OVERVIEW_CACHE_SECONDS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        state = selectors.board_state(user=self.request.user)
        neighbourhood = self.request.GET.get("neighbourhood", "")[:80]
        today = timezone.localdate()
        overview = functools.cache(
            lambda: selectors.board_overview(
                quarter=state.quarter, neighbourhood_slug=neighbourhood, today=today
            )
        )
        can_see_completeness = user_has_role(self.request.user, *READERS_OF_COMPLETENESS)
        return super().get_context_data(
            state=state,
            overview=overview,
            can_see_completeness=can_see_completeness,
            body_key_parts=(
                state.version,
                state.quarter.code,
                neighbourhood,
                today.isoformat(),
                can_see_completeness,
            ),
            suppression_rule=SUPPRESSION_RULE,
            **kwargs,
        )

    def get_body_key_parts(self, context: dict[str, Any]) -> Sequence[Any]:
        return context["body_key_parts"]
