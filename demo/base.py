"""What every demo loader shares: the fixtures folder, what was loaded so far, the tally.

A `DemoLoad` is handed from loader to loader (`demo.loader.demo_load` runs them in order);
each reads its files through it and records what it did with `count`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import models

from bury_hc.imports import ImportRefused, TableFile, columns_missing, decimal_parse, table_read
from bury_hc.roles import Role
from bury_hc.services import Change

FILE_FORMAT = "bury-demo"
PENCE = Decimal("0.01")


class DemoDataError(ValueError):
    """A fixture file that cannot be loaded; the message names the file and, where it can,
    the row."""


@dataclass(frozen=True)
class EntityChanges:
    """How many rows of one kind the load created, updated or left unchanged."""

    label: str
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class DemoUser:
    """A demo account. `password` is set only when this run generated one (new or reset)."""

    username: str
    role: Role
    full_name: str
    created: bool
    password: str | None


@dataclass(frozen=True)
class DemoLoadResult:
    """What a load did, kind by kind (in the order loaded), and the demo accounts (none
    unless they were asked for)."""

    fixtures_dir: Path
    changes: tuple[EntityChanges, ...]
    users: tuple[DemoUser, ...]

    @property
    def created(self) -> int:
        return sum(entity.created for entity in self.changes)

    @property
    def updated(self) -> int:
        return sum(entity.updated for entity in self.changes)

    @property
    def unchanged(self) -> int:
        return sum(entity.unchanged for entity in self.changes)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


class DemoLoad:
    """One run of the loaders: the folder it reads, the rows loaded so far by their natural
    keys (for later loaders to link to), and the tally of what changed."""

    def __init__(self, fixtures_dir: Path, *, with_demo_users: bool, reset_passwords: bool):
        if not fixtures_dir.is_dir():
            raise DemoDataError(f"The fixtures folder {fixtures_dir} does not exist.")
        self.dir = fixtures_dir
        self.with_demo_users = with_demo_users
        self.reset_passwords = reset_passwords
        self.tally: dict[str, Counter[str]] = {}
        self.users: dict[str, Any] = {}  # username → user, for the demo accounts loaded
        self.user_rows: list[dict[str, Any]] = []  # their users.yaml rows
        self.demo_users: tuple[DemoUser, ...] = ()
        self.plans: dict[str, Any] = {}
        self.organisations: dict[str, Any] = {}
        self.bodies: dict[str, Any] = {}
        self.programmes: dict[str, Any] = {}
        self.areas: dict[str, Any] = {}
        self.groups: dict[str, Any] = {}
        self.measures: dict[str, Any] = {}
        self.sources: dict[str, Any] = {}
        self.budget_lines: dict[str, Any] = {}

    def result(self) -> DemoLoadResult:
        return DemoLoadResult(
            fixtures_dir=self.dir,
            changes=tuple(
                EntityChanges(label, counts["created"], counts["updated"], counts["unchanged"])
                for label, counts in self.tally.items()
            ),
            users=self.demo_users,
        )

    def count(self, result: tuple[models.Model, Change] | Change, label: str = "") -> Any:
        """Record a service's outcome under the model's plural name; return the row."""
        instance, change = result if isinstance(result, tuple) else (None, result)
        if not label and instance is not None:
            label = str(instance._meta.verbose_name_plural)
        self.tally.setdefault(label, Counter())[change] += 1
        return instance

    def yaml(self, name: str) -> dict[str, Any]:
        path = self.dir / name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DemoDataError(f"{name} is missing from {self.dir}.") from exc
        except yaml.YAMLError as exc:
            raise DemoDataError(f"{name} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise DemoDataError(f"{name} should hold a mapping at the top level.")
        return data

    def read_bytes(self, name: str) -> bytes:
        try:
            return (self.dir / name).read_bytes()
        except FileNotFoundError as exc:
            raise DemoDataError(f"{name} is missing from {self.dir}.") from exc

    def table(self, name: str, required: list[str]) -> tuple[bytes, TableFile]:
        """Read a CSV with the project's import reader; refuse it if it lacks a column."""
        content = self.read_bytes(name)
        try:
            table = table_read(content=content, file_name=name)
        except ImportRefused as exc:
            problems = "; ".join(str(problem) for problem in exc.problems)
            raise DemoDataError(f"{name}: {problems}") from exc
        missing = columns_missing(table, required)
        if missing:
            raise DemoDataError(f"{name}: " + "; ".join(str(problem) for problem in missing))
        return content, table

    def lookup[K, T](self, table: dict[K, T], key: K, what: str, where: str) -> T:
        try:
            return table[key]
        except KeyError:
            raise DemoDataError(f"{where}: no {what} “{key}” is defined.") from None

    def number(self, text: str, table: TableFile, row: int, column: str) -> Decimal | None:
        value, problem = decimal_parse(text, row=row, column=column)
        if problem:
            raise DemoDataError(f"{table.file_name}: {problem}")
        return value

    def user_named(self, username: str) -> Any:
        """A demo account by username: loaded in this run, or already in the database (from
        an earlier run with demo users); None if there is none."""
        from django.contrib.auth import get_user_model

        if username in self.users:
            return self.users[username]
        return get_user_model().objects.filter(username=username).first()


def pounds(value: int | str | None) -> Decimal | None:
    """A whole-pound amount from a fixture as Decimal pounds and pence (blank stays blank)."""
    return None if value is None else Decimal(str(value)).quantize(PENCE)
