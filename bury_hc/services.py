"""Write helpers every app's services share: idempotent upserts that report what they did."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from django.db import models

Change = Literal["created", "updated", "unchanged"]


def record_upsert[M: models.Model](
    model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[M, Change]:
    """Create or update the row matching `lookup`, saving only the fields whose values differ.

    Foreign keys are compared by primary key, so no related rows are fetched. Not atomic by
    itself: callers that write more than one row wrap it in `transaction.atomic`.
    """
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        return model._default_manager.create(**lookup, **values), "created"
    changed = []
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.many_to_one and isinstance(field, models.ForeignKey):
            current, wanted = getattr(instance, field.attname), getattr(value, "pk", value)
        else:
            current, wanted = getattr(instance, name), value
        if current != wanted:
            setattr(instance, name, value)
            changed.append(name)
    if not changed:
        return instance, "unchanged"
    instance.save(update_fields=changed)
    return instance, "updated"


def m2m_ensure(
    instance: models.Model, *, field: str, targets: Iterable[models.Model], exact: bool = True
) -> bool:
    """Make the many-to-many `field` hold `targets` (exactly, or at least when `exact` is
    False). Returns whether anything changed."""
    manager = getattr(instance, field)
    wanted = {target.pk for target in targets}
    current = set(manager.values_list("pk", flat=True))
    missing, extra = wanted - current, (current - wanted) if exact else set()
    if missing:
        manager.add(*missing)
    if extra:
        manager.remove(*extra)
    return bool(missing or extra)


class StaleEdit(Exception):
    """Someone else saved this record after it was opened: the save was refused and nothing
    they saved was lost. `current` is the record as it now stands, to show what changed (None
    if it has gone)."""

    def __init__(self, current: models.Model | None) -> None:
        self.current = current
        super().__init__(
            "Someone else saved this after you opened it. Your changes have not been saved: "
            "check their version below, then make your changes again."
        )


def version_claim(model: type[models.Model], *, pk: int, expected_version: int) -> None:
    """Move the row's version on by one if it is still `expected_version`; raise StaleEdit if
    someone else saved first. The conditional UPDATE is the lock: of two concurrent saves
    exactly one wins, on SQLite as on PostgreSQL. Call inside a transaction."""
    moved = model._default_manager.filter(pk=pk, version=expected_version).update(
        version=models.F("version") + 1
    )
    if not moved:
        raise StaleEdit(model._default_manager.filter(pk=pk).first())


def versioned_update[M: models.Model](
    instance: M, *, expected_version: int, values: dict[str, Any]
) -> M:
    """Save `values` on `instance` only if its stored version is still `expected_version`,
    bumping the version; raise StaleEdit otherwise. Call inside a transaction.

    The version moves first (`version_claim`); the values are then saved with `save()`, so
    history and `auto_now` fields see the change.
    """
    model = type(instance)
    version_claim(model, pk=instance.pk, expected_version=expected_version)
    fresh = model._default_manager.get(pk=instance.pk)
    for name, value in values.items():
        setattr(fresh, name, value)
    fresh.save()
    return fresh
