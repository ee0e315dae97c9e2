"""The permission matrix: every page × every role, signed out, and without a role."""

import pytest
from django.urls import reverse

from bury_hc.roles import Role
from tests.factories import ProgrammeFactory, user_with_role

READ_PAGES = [
    ("overview", {}),
    ("programmes:list", {}),
    ("programmes:detail", {"slug": "urgent-care"}),
    ("performance:highlights", {}),
    ("finance:fund", {}),
    ("scrutiny:committees", {}),
]


@pytest.fixture
def programme(db):
    return ProgrammeFactory(name="Urgent Care", slug="urgent-care", number=1)


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "kwargs"), READ_PAGES)
def test_page_signed_out_redirects_to_sign_in(client, programme, url_name, kwargs):
    url = reverse(url_name, kwargs=kwargs)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("url_name", "kwargs"), READ_PAGES)
def test_page_open_to_every_role(client, programme, role, url_name, kwargs):
    client.force_login(user_with_role(role))

    response = client.get(reverse(url_name, kwargs=kwargs))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "kwargs"), READ_PAGES)
def test_page_refused_to_user_without_role(client, programme, url_name, kwargs):
    client.force_login(user_with_role(None))

    response = client.get(reverse(url_name, kwargs=kwargs))

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_admin_refused_to_non_staff_roles(client, role):
    client.force_login(user_with_role(role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_admin_open_to_administrator(client):
    client.force_login(user_with_role(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_unknown_programme_is_not_found(client, programme):
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    response = client.get(reverse("programmes:detail", kwargs={"slug": "no-such-programme"}))

    assert response.status_code == 404
