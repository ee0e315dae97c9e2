"""The performance app's modules import one another without a cycle, and the import machinery
(`performance.importing`) depends on nothing above it.

Every import statement counts, including those inside functions: a cycle hidden in a function
is still a cycle a reader has to untangle."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

APP = "performance"
ROOT = Path(__file__).resolve().parents[2]


def module_names() -> dict[str, Path]:
    names = {}
    for path in (ROOT / APP).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imported_modules(path: Path, modules: set[str], package: str) -> set[str]:
    """The app's modules that the file at `path` names in any import statement."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                )
                base = base.rstrip(".")
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = imported_modules(path, set(modules), package) - {name}
    return graph


def test_graph_sees_the_imports_inside_functions():
    graph = import_graph()

    assert "performance.services.imports" in graph["performance.tasks"]
    assert "performance.snapshots" in graph["performance.tasks"]
    assert "performance.views.imports" in graph["performance.urls"]


def test_performance_modules_import_one_another_without_a_cycle():
    sorter = graphlib.TopologicalSorter(import_graph())
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"Import cycle among performance modules: {' → '.join(exc.args[1])}")


def test_importing_depends_on_nothing_above_it():
    above = ("performance.services", "performance.tasks", "performance.views", "performance.forms")
    graph = import_graph()

    reaching_up = {
        (name, target)
        for name, targets in graph.items()
        if name.startswith("performance.importing")
        for target in targets
        if target.startswith(above)
    }

    assert reaching_up == set()
