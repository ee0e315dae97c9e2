"""Every module of the project imports on its own, in a fresh interpreter, once Django is set
up: no module works only because another happened to be imported first, and no import cycle
breaks a module imported first. (The cycle test for `performance` is
tests/performance/test_module_graph.py.)

To keep it fast, one interpreter sets Django up (which itself imports every app's models and
admin) and then forks a child per module: each child starts from that state and imports one
module, which pulls in whatever that module needs, in its own order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter; prints {module: error} as JSON for the modules that fail.
IMPORT_EACH = """
import importlib, json, os, sys, traceback
import django
django.setup()
failures = {}
for name in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:  # the child: import the one module, say how it went in the exit code
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc(limit=-3)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        failures[name] = os.waitstatus_to_exitcode(status)
print(json.dumps(failures))
"""


def project_modules() -> list[str]:
    """The modules of every app (a top-level package with an apps.py), migrations aside."""
    names = []
    for apps_file in sorted(ROOT.glob("*/apps.py")):
        package = apps_file.parent
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


def test_the_project_has_modules_in_each_app():
    names = project_modules()

    assert {"bury_hc.periods", "performance.models", "programmes.services"} <= set(names)
    assert not [name for name in names if ".migrations" in name]


def test_each_project_module_imports_on_its_own():
    names = project_modules()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}

    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, json.dumps(names)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, result.stderr[-5000:]
