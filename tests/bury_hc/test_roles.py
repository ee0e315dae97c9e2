"""RoleRequiredMixin: the role check first, then the view's object-permission hook."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.views import View

from bury_hc.roles import Role, RoleRequiredMixin
from tests.factories import user_with_role


class OwnThingView(RoleRequiredMixin, View):
    """Open to programme leads; the thing named `mine` only to its owner, `gone` redirects."""

    allowed_roles = (Role.PROGRAMME_LEAD,)
    checked: list[str] = []  # replaced per call through as_view(checked=...)

    def check_object_permission(self, request, **kwargs):
        super().check_object_permission(request, **kwargs)
        self.checked.append(kwargs["name"])
        if kwargs["name"] == "gone":
            return HttpResponseRedirect("/elsewhere/")
        if kwargs["name"] != "mine":
            raise PermissionDenied("Not yours.")
        self.thing = kwargs["name"]
        return None

    def get(self, request, **kwargs):
        return HttpResponse(f"showing {self.thing}")


def call(user, name: str, checked: list[str]):
    request = RequestFactory().get("/")
    request.user = user
    return OwnThingView.as_view(checked=checked)(request, name=name)


@pytest.mark.django_db
def test_a_user_without_the_role_is_refused_before_the_hook_runs():
    checked: list[str] = []

    with pytest.raises(PermissionDenied):
        call(user_with_role(Role.BOARD_MEMBER), "mine", checked)

    assert checked == []


@pytest.mark.django_db
def test_the_hook_refuses_an_object_the_user_may_not_act_on():
    with pytest.raises(PermissionDenied, match="Not yours"):
        call(user_with_role(Role.PROGRAMME_LEAD), "theirs", [])


@pytest.mark.django_db
def test_a_response_from_the_hook_is_sent_instead_of_the_page():
    response = call(user_with_role(Role.PROGRAMME_LEAD), "gone", [])

    assert response.status_code == 302
    assert response["Location"] == "/elsewhere/"


@pytest.mark.django_db
def test_the_page_sees_what_the_hook_loaded():
    checked: list[str] = []

    response = call(user_with_role(Role.PROGRAMME_LEAD), "mine", checked)

    assert response.content == b"showing mine"
    assert checked == ["mine"]
