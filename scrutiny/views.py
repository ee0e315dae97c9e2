from django.views.generic import ListView

from bury_hc.roles import RoleRequiredMixin
from scrutiny import selectors


class CommitteeListView(RoleRequiredMixin, ListView):
    template_name = "scrutiny/committee_list.html"
    context_object_name = "committees"

    def get_queryset(self):
        return selectors.committees_with_meetings()
