"""Versions of what a page shows: one SELECT of counts and latest changes of the tables it reads,
so that a page can keep its rendered body in the cache under that version and a request that
finds nothing changed reads no more than this one row.

Rows saved through the services bump `updated_at`, `version` or `built_at`; a row added or
deleted changes a count. What no column records (a name edited in the Django admin) is bounded
by the page's cache lifetime instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models


def version_columns(parts: Mapping[type[models.Model], str]) -> list[str]:
    """Scalar subqueries for each model's aggregates ("count(*), max(updated_at)"), to go in
    one SELECT. Table and column names come from the models and the caller's literals, never
    from a request."""
    return [
        f"(SELECT {aggregate} FROM {model._meta.db_table})"  # noqa: S608 - names from models
        for model, aggregates in parts.items()
        for aggregate in aggregates.split(", ")
    ]


def version_of(values: Sequence[Any]) -> str:
    """A short, stable digest of the values `version_columns` read."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()[:16]
