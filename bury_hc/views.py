"""The overview: the one page that composes every app (like urls.py, it may import them)."""

from django.views.generic import TemplateView

from bury_hc.roles import RoleRequiredMixin
from finance import selectors as finance_selectors
from performance import selectors as performance_selectors
from plans import selectors as plan_selectors
from programmes import selectors as programme_selectors


class OverviewView(RoleRequiredMixin, TemplateView):
    template_name = "overview.html"

    def get_context_data(self, **kwargs):
        quarter = performance_selectors.dashboard_latest_quarter()
        year = finance_selectors.fund_latest_year()
        return super().get_context_data(
            plan=plan_selectors.plan_current(),
            programmes=programme_selectors.programmes_for_overview(),
            highlight_quarter=quarter,
            highlight_rows=(
                performance_selectors.dashboard_rows(quarter=quarter, highlight_only=True)
                if quarter
                else []
            ),
            fund=finance_selectors.fund_summary(financial_year=year) if year else None,
            fund_position=finance_selectors.fund_overview_position(),
            **kwargs,
        )
