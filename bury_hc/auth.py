"""Signing in: Django's model backend, reading the signed-in person's roles with them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from bury_hc.roles import user_with_roles


class RoleModelBackend(ModelBackend):
    """Django's ModelBackend (the same password check, the same refusal of inactive users),
    except that each request's user is read with their roles in one query
    (`bury_hc.roles.user_with_roles`): a page's role checks then need no query of their own,
    and are as fresh as the user row itself (nothing is kept between requests)."""

    def get_user(self, user_id: Any):
        user = user_with_roles(get_user_model(), user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
