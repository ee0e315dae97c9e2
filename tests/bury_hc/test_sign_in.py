import pytest
from django.urls import reverse

from bury_hc.roles import Role
from tests.factories import user_with_role

PASSWORD = "a-correct-password-123"


@pytest.fixture
def board_member(db):
    user = user_with_role(Role.BOARD_MEMBER)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.django_db
def test_sign_in_blank_form_names_each_missing_field(client):
    response = client.post(reverse("login"), {"username": "", "password": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert '<a href="#id_username">Enter your username</a>' in page
    assert '<a href="#id_password">Enter your password</a>' in page
    assert page.count("Enter your username") == 2  # summary and field, once each


def test_sign_in_wrong_password_is_refused(client, board_member):
    response = client.post(
        reverse("login"), {"username": board_member.username, "password": "wrong"}
    )

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_sign_in_then_overview(client, board_member):
    response = client.post(
        reverse("login"), {"username": board_member.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("overview")
    assert "What needs the Board’s attention" in response.content.decode()


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_with_nonce(client):
    response = client.get(reverse("login"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "'unsafe-inline'" not in policy
