from django.http import Http404
from django.views.generic import DetailView, ListView

from bury_hc.roles import RoleRequiredMixin
from programmes import selectors
from programmes.models import Programme


class ProgrammeListView(RoleRequiredMixin, ListView):
    template_name = "programmes/programme_list.html"
    context_object_name = "programmes"

    def get_queryset(self):
        return selectors.programmes_for_overview()


class ProgrammeDetailView(RoleRequiredMixin, DetailView):
    template_name = "programmes/programme_detail.html"
    context_object_name = "programme"

    def get_object(self, queryset=None) -> Programme:
        try:
            return selectors.programme_detail(slug=self.kwargs["slug"])
        except Programme.DoesNotExist:
            raise Http404("There is no programme at this address.") from None
