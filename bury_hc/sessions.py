"""The session engine: Django's cached-database sessions (written to the database, read
through the cache), reading sessions signed in before `bury_hc.auth.RoleModelBackend`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import cached_db

BACKEND = "bury_hc.auth.RoleModelBackend"
LEGACY_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SessionStore(cached_db.SessionStore):
    """A session signed in through Django's own ModelBackend (before RoleModelBackend replaced
    it in AUTHENTICATION_BACKENDS) is read as signed in through RoleModelBackend, which checks
    the same password and refuses the same users: nobody is signed out by the change. Such
    sessions have all expired SESSION_COOKIE_AGE (8 hours) after it is deployed; then this
    class can go. Same cache keys and table as cached_db, so every session carries over."""

    def load(self) -> dict[str, Any]:
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND:
            data[BACKEND_SESSION_KEY] = BACKEND
        return data
