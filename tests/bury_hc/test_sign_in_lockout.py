"""Password guessing: django-axes locks a username out at one address after N failures."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from bury_hc.roles import Role
from tests.factories import user_with_role

PASSWORD = "a-correct-password-123"
LIMIT = settings.AXES_FAILURE_LIMIT
COOLOFF = settings.AXES_COOLOFF_TIME


@pytest.fixture
def board_member(db):
    user = user_with_role(Role.BOARD_MEMBER)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root.admin", password=PASSWORD)


def sign_in(client, username, password, url=None, address="10.0.0.1"):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_lockout_settings_are_sensible():
    assert 3 <= LIMIT <= 10
    assert dt.timedelta(minutes=5) <= COOLOFF
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_sign_in_wrong_passwords_lock_the_username_until_the_cooloff_ends(client, board_member):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(LIMIT - 1):
            assert sign_in(client, board_member.username, "wrong").status_code == 200
        locked = sign_in(client, board_member.username, "wrong")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "Sign-in paused for this account" in page
        retry_at = timezone.localtime(start + COOLOFF)
        assert f"You can try again after {retry_at:%H:%M}" in page

        # The right password is refused while the lockout lasts...
        clock.shift(COOLOFF - dt.timedelta(seconds=1))
        assert sign_in(client, board_member.username, PASSWORD).status_code == 429
        assert not signed_in(client)

        # ...and, as the page says, that attempt started the wait again.
        clock.shift(COOLOFF + dt.timedelta(seconds=1))
        response = sign_in(client, board_member.username, PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)


def test_sign_in_lockout_is_per_username_and_address(client, board_member):
    for _ in range(LIMIT):
        sign_in(client, board_member.username, "wrong", address="10.0.0.1")

    # The same username from another address, and another username from the same one, go on.
    assert sign_in(client, board_member.username, PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    other = user_with_role(Role.SCRUTINY_OFFICER)
    other.set_password(PASSWORD)
    other.save()
    assert sign_in(client, other.username, PASSWORD, address="10.0.0.1").status_code == 302


def test_sign_in_a_success_before_the_limit_clears_the_failures(client, board_member):
    for _ in range(LIMIT - 1):
        sign_in(client, board_member.username, "wrong")
    assert sign_in(client, board_member.username, PASSWORD).status_code == 302
    client.logout()

    for _ in range(LIMIT - 1):
        assert sign_in(client, board_member.username, "wrong").status_code == 200


def test_admin_login_locks_out_too(client, superuser):
    url = reverse("admin:login")
    for _ in range(LIMIT):
        sign_in(client, superuser.username, "wrong", url=url)

    response = sign_in(client, superuser.username, PASSWORD, url=url)

    assert response.status_code == 429
    assert not signed_in(client)


def test_sign_in_lockout_is_logged(client, board_member, caplog):
    for _ in range(LIMIT):
        sign_in(client, board_member.username, "wrong")

    assert f"Sign-in locked out: username '{board_member.username}' from 10.0.0.1" in caplog.text
