"""The overview: the Locality Board's exceptions page."""

from typing import Any

from django.views.generic import TemplateView

from board import selectors
from bury_hc.disclosure import RULE as SUPPRESSION_RULE
from bury_hc.roles import RoleRequiredMixin


class OverviewView(RoleRequiredMixin, TemplateView):
    template_name = "board/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        overview = selectors.board_overview(
            quarter=selectors.board_quarter(),
            neighbourhood_slug=self.request.GET.get("neighbourhood", ""),
        )
        return super().get_context_data(
            overview=overview,
            work=selectors.personal_work(user=self.request.user),
            suppression_rule=SUPPRESSION_RULE,
            **kwargs,
        )
