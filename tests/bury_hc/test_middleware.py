"""Headers on every response: Permissions-Policy, and no caching of signed-in pages."""

import pytest
from django.urls import reverse

from bury_hc.roles import Role
from tests.factories import user_with_role


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sign-in/", "/healthz", "/"])
def test_every_response_sends_a_permissions_policy(client, path):
    response = client.get(path)

    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


@pytest.mark.django_db
def test_signed_in_pages_are_private_and_never_stored(client):
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    response = client.get(reverse("performance:highlights"))

    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives
