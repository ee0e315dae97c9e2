from django.http import Http404
from django.views.generic import TemplateView

from bury_hc.periods import PeriodParseError, Quarter
from bury_hc.roles import RoleRequiredMixin
from performance import selectors


class HighlightReportView(RoleRequiredMixin, TemplateView):
    """The quarterly Adult Social Care highlight report (read-only; dashboards come later)."""

    template_name = "performance/highlight_report.html"

    def get_context_data(self, **kwargs):
        quarters = selectors.highlight_quarters()
        requested = self.request.GET.get("quarter")
        try:
            quarter = Quarter.from_code(requested) if requested else (quarters or [None])[0]
        except PeriodParseError:
            raise Http404("That quarter is not one this application reports.") from None
        return super().get_context_data(
            quarter=quarter,
            quarters=quarters,
            rows=selectors.highlight_rows(quarter=quarter) if quarter else [],
            **kwargs,
        )
