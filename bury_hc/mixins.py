"""View behaviour shared by pages with charts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.text import slugify

from bury_hc.charts import Chart
from bury_hc.exports import csv_response

if TYPE_CHECKING:
    from django.views.generic import TemplateView

if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker only
    _ViewBase = TemplateView
else:
    _ViewBase = object


class ChartPageMixin(_ViewBase):
    """A page whose charts each offer their data as CSV at `?download=<chart key>`.

    Subclasses implement `get_charts()`; the charts are put in the context as `charts`.
    """

    def get_charts(self) -> list[Chart]:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wanted = request.GET.get("download")
        if wanted:
            for chart in self.get_charts():
                if chart.key == wanted:
                    return csv_response(
                        filename=f"{slugify(chart.headline)[:80]}.csv",
                        headers=chart.table.headers,
                        rows=chart.table.csv_rows,
                    )
            raise Http404("There is no chart of that name on this page.")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        charts = []
        for chart in self.get_charts():
            query["download"] = chart.key
            charts.append(chart if chart.csv_url else _with_csv_url(chart, f"?{query.urlencode()}"))
        return super().get_context_data(charts=charts, **kwargs)


def _with_csv_url(chart: Chart, url: str) -> Chart:
    from dataclasses import replace

    return replace(chart, csv_url=url)
