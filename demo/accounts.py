"""The demo accounts: one per role (users.yaml), each with a generated password.

Loaded only when asked for (`load_bury_demo --with-demo-users`): their usernames are
published, and one is a superuser, so a real installation must not have them. The plans and
programmes loaders then give them their organisations and programmes.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group

from bury_hc.roles import Role
from bury_hc.services import Change, m2m_ensure
from demo.base import DemoLoad, DemoUser


def accounts_load(load: DemoLoad) -> None:
    """Create or update the demo accounts; a no-op unless demo users were asked for."""
    if not load.with_demo_users:
        return
    users = []
    for row in load.yaml("users.yaml")["users"]:
        user, demo_user = _user_ensure(load, row, Role(row["role"]))
        users.append(demo_user)
        load.users[row["username"]] = user
        load.user_rows.append(row)
    load.demo_users = tuple(users)


def _user_ensure(load: DemoLoad, row: dict[str, Any], role: Role) -> tuple[AbstractUser, DemoUser]:
    """Create the account with a generated password, or bring an existing one's names,
    flags and role up to date, keeping its password unless passwords are being reset."""
    user_model = get_user_model()
    values = {
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row.get("email", ""),
        "is_staff": row.get("is_staff", False),
        "is_superuser": row.get("is_superuser", False),
    }
    user = user_model.objects.filter(username=row["username"]).first()
    created = user is None
    if created:
        user = user_model(username=row["username"], **values)
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    password = None
    if created or load.reset_passwords:
        password = secrets.token_urlsafe(12)
        user.set_password(password)
    if created:
        user.save()
    elif changed or password:
        user.save(update_fields=[*changed, *(["password"] if password else [])])
    group, _ = Group.objects.get_or_create(name=role.value)
    in_group = m2m_ensure(user, field="groups", targets=[group], exact=False)
    change: Change = (
        "created" if created else "updated" if changed or password or in_group else "unchanged"
    )
    load.count((user, change), label="users")
    return user, DemoUser(
        username=user.get_username(),
        role=role,
        full_name=user.get_full_name(),
        created=created,
        password=password,
    )
