"""The roles people have in the quarterly cycle, held as Django groups.

Pages declare which roles may see them (`RoleRequiredMixin`); object rules (a lead edits only
their own programme) live with the objects, in each app's selectors.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.mixins import AccessMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBase

if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker only
    from django.views import View as _ViewBase
else:
    _ViewBase = object


class Role(StrEnum):
    PROGRAMME_LEAD = "Programme lead"
    BOARD_MEMBER = "Locality Board member"
    SCRUTINY_OFFICER = "Scrutiny officer"
    PERFORMANCE_ANALYST = "Performance analyst"
    FINANCE_OFFICER = "Finance officer"
    FINANCE_LEAD = "Finance lead"
    ADMINISTRATOR = "Administrator"

    @property
    def description(self) -> str:
        return ROLE_DESCRIPTIONS[self]


ROLE_DESCRIPTIONS = {
    Role.PROGRAMME_LEAD: "Enters quarterly milestone updates for their own programmes.",
    Role.BOARD_MEMBER: "Reads the dashboards, programme delivery, the fund and published packs.",
    Role.SCRUTINY_OFFICER: "Builds, exports and publishes committee packs.",
    Role.PERFORMANCE_ANALYST: "Imports data and runs the quarterly performance cycle.",
    Role.FINANCE_OFFICER: "Enters and uploads their own organisation's quarterly budget figures.",
    Role.FINANCE_LEAD: "Signs off the Integrated Care Fund's quarterly position.",
    Role.ADMINISTRATOR: "Manages users, roles and reference data.",
}

ALL_ROLES = tuple(Role)


def user_roles(user) -> frozenset[Role]:
    """The roles a user holds; superusers hold them all. Cached on the user for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_bury_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Role)
        else:
            names = set(user.groups.values_list("name", flat=True))
            cached = frozenset(role for role in Role if role.value in names)
        user._bury_roles = cached
    return cached


def user_has_role(user, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


class RoleRequiredMixin(AccessMixin, _ViewBase):
    """A view open to the listed roles only. Anonymous users go to the login page
    (LoginRequiredMiddleware); signed-in users without the role get 403.

    Then, before the handler, `check_object_permission`: the hook a view overrides to load
    what its address names and refuse a user who may not act on it.
    """

    allowed_roles: tuple[Role, ...] = ALL_ROLES

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not user_has_role(request.user, *self.allowed_roles):
            return self.handle_no_permission()
        refused = self.check_object_permission(request, **kwargs)
        return refused or super().dispatch(request, *args, **kwargs)

    def check_object_permission(self, request: HttpRequest, **kwargs) -> HttpResponse | None:
        """Runs once the role is checked: load the objects the page is about (onto `self`),
        and raise PermissionDenied (or Http404) if this user may not act on them, or return
        a response to send instead of the page (a redirect, a "locked" page). Nothing by
        default; an override calls `super()` first, so that mixins can stack."""
        return None
