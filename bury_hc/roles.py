"""The roles people have in the quarterly cycle, held as Django groups.

Pages declare which roles may see them (`RoleRequiredMixin`); object rules (a lead edits only
their own programme) live with the objects, in each app's selectors.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

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


def _roles_sql(users: Any) -> str:
    """The user row and a bit mask of the roles they hold (bit i: the i-th Role), matched on
    the groups' exact names. Group names are unique, so the sum of the bits is the mask."""
    through = users.groups.through._meta
    groups = through.get_field("group").related_model._meta
    cases = " ".join(f"WHEN %s THEN {1 << index}" for index in range(len(Role)))
    # Table and column names come from the models; the id and the role names are parameters.
    return (
        f"SELECT u.*, (SELECT COALESCE(SUM(CASE g.name {cases} ELSE 0 END), 0) "  # noqa: S608
        f"FROM {through.db_table} m JOIN {groups.db_table} g "
        f"ON g.{groups.pk.column} = m.{through.get_field('group').column} "
        f"WHERE m.{through.get_field('user').column} = u.{users._meta.pk.column}) "
        f"AS _bury_roles_mask FROM {users._meta.db_table} u WHERE u.{users._meta.pk.column} = %s"
    )


def user_with_roles(users: Any, pk: Any) -> Any:
    """The user `pk` (of the model `users`) with the roles they hold read in the same query
    (one row), for `user_roles`; None if there is no such user. What the sign-in backend reads
    on every request, so that a page's role checks need no query of their own."""
    found = list(users._default_manager.raw(_roles_sql(users), [*(r.value for r in Role), pk]))
    if not found:
        return None
    user = found[0]
    mask = int(user._bury_roles_mask)
    user._bury_roles = (
        frozenset(Role)
        if user.is_superuser
        else frozenset(role for index, role in enumerate(Role) if mask & (1 << index))
    )
    return user


def user_roles(user) -> frozenset[Role]:
    """The roles a user holds; superusers hold them all. Cached on the user for the request
    (read with the user when it was loaded by `user_with_roles`, else in one query)."""
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
