from django.views.generic import TemplateView

from bury_hc.roles import RoleRequiredMixin
from finance import selectors


class FundSummaryView(RoleRequiredMixin, TemplateView):
    """The Integrated Care Fund at a glance: the three pools and their total."""

    template_name = "finance/fund_summary.html"

    def get_context_data(self, **kwargs):
        year = selectors.fund_latest_year()
        summary = selectors.fund_summary(financial_year=year) if year else None
        return super().get_context_data(summary=summary, **kwargs)
