"""The lock files agree with pyproject.toml: every direct dependency is locked at the version
pyproject pins, and the test lock keeps the runtime lock's versions. Run `make lock` after
changing a dependency (README, "Dependencies")."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


def lock(name: str) -> dict[str, str]:
    return pins((ROOT / name).read_text().splitlines())


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock_file", "direct"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        (
            "requirements-test.lock",
            PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"],
        ),
    ],
)
def test_every_direct_dependency_is_locked_at_its_pinned_version(lock_file, direct):
    wanted = pins(direct)
    assert len(wanted) == len(direct), "pyproject.toml pins every direct dependency with =="
    locked = lock(lock_file)

    differences = {
        name: (version, locked.get(name, "missing"))
        for name, version in wanted.items()
        if locked.get(name) != version
    }

    assert differences == {}, f"run `make lock`: (pyproject, {lock_file}) {differences}"


def test_the_test_lock_keeps_the_runtime_locks_versions():
    runtime, test = lock("requirements.lock"), lock("requirements-test.lock")

    assert {name: (v, test.get(name)) for name, v in runtime.items() if test.get(name) != v} == {}
