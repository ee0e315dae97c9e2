"""The embedded default (SQLite) under concurrent writes: racing saves wait, none fails.

Run in a fresh interpreter on a file database: the test suite's own SQLite database lives in
memory, where locking behaves differently.
"""

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def race(db_path: Path, *, threads: int, rounds: int, mode: str = "") -> dict:
    command = [sys.executable, "-m", "tests.support.sqlite_racing_saves", str(db_path)]
    command += [str(threads), str(rounds), *([mode] if mode else [])]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_sqlite_default_uses_wal_busy_timeout_and_immediate_transactions():
    options = settings.DATABASES["default"]["OPTIONS"]
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return  # the PostgreSQL run: nothing to check here
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5
    assert options["transaction_mode"] == "IMMEDIATE"


def test_sqlite_twenty_threads_saving_different_records_at_once_all_succeed(tmp_path):
    outcome = race(tmp_path / "race.sqlite3", threads=20, rounds=5)

    assert outcome["errors"] == []
    assert outcome["saves"] == 100


def test_sqlite_deferred_transactions_would_fail_the_same_race(tmp_path):
    """Why the setting matters: the same race with SQLite's default BEGIN (DEFERRED) fails."""
    outcome = race(tmp_path / "race.sqlite3", threads=20, rounds=5, mode="DEFERRED")

    assert any("database is locked" in error for error in outcome["errors"])
