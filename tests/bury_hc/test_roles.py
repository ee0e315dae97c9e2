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


# --- The signed-in user's roles, read with the user (bury_hc.auth.RoleModelBackend) ----------


@pytest.mark.django_db
def test_user_with_roles_reads_the_roles_in_the_same_query(django_assert_num_queries):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from bury_hc.roles import user_roles, user_with_roles

    user = user_with_role(Role.PROGRAMME_LEAD)
    user.groups.add(Group.objects.get(name=Role.FINANCE_LEAD.value))
    # A group whose name merely contains a role's name is not that role.
    user.groups.add(Group.objects.create(name=f"Former {Role.ADMINISTRATOR.value}"))

    with django_assert_num_queries(1):
        loaded = user_with_roles(get_user_model(), user.pk)
        roles = user_roles(loaded)

    assert roles == {Role.PROGRAMME_LEAD, Role.FINANCE_LEAD}
    assert user_roles(user) == roles  # as the separate query reads them


@pytest.mark.django_db
def test_user_with_roles_gives_a_superuser_every_role_and_none_for_no_user():
    from django.contrib.auth import get_user_model

    from bury_hc.roles import user_roles, user_with_roles

    admin = user_with_role(None, is_superuser=True)

    assert user_roles(user_with_roles(get_user_model(), admin.pk)) == set(Role)
    assert user_with_roles(get_user_model(), admin.pk + 1000) is None


@pytest.mark.django_db
def test_a_role_taken_away_is_refused_on_the_next_request(client):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    user = user_with_role(Role.PERFORMANCE_ANALYST)
    client.force_login(user)
    url = reverse("performance:measure_new")  # the performance team's only
    assert client.get(url).status_code == 200

    user.groups.remove(Group.objects.get(name=Role.PERFORMANCE_ANALYST.value))
    user.groups.add(Group.objects.get(name=Role.BOARD_MEMBER.value))

    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_an_inactive_user_is_signed_out(client):
    from django.urls import reverse

    user = user_with_role(Role.BOARD_MEMBER)
    client.force_login(user)
    user.is_active = False
    user.save()

    response = client.get(reverse("overview"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_session_signed_in_through_djangos_model_backend_stays_signed_in(client):
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.urls import reverse

    from bury_hc.sessions import LEGACY_BACKEND

    client.force_login(user_with_role(Role.BOARD_MEMBER))
    session = client.session
    session[BACKEND_SESSION_KEY] = LEGACY_BACKEND  # as signed in before RoleModelBackend
    session.save()

    response = client.get(reverse("overview"))

    assert response.status_code == 200
    assert "Signed in as" in response.content.decode()
