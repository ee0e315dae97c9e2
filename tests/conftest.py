"""Root conftest: gating of tests that need real services, and a real Celery worker.

Tests marked `postgres`, `redis` or `browser` need PostgreSQL, Redis (with a worker started by
the test) or Debian's Chromium with Playwright. On a bare machine they are skipped with the
reason; with BURY_HC_REQUIRE_SERVICES=1 (CI sets it) a missing service fails the test instead,
so CI cannot go green by skipping the tests that matter.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
WORKER_START_TIMEOUT = 60  # seconds


def services_required() -> bool:
    return os.environ.get("BURY_HC_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


@functools.cache
def postgres_missing() -> str | None:
    """Why the PostgreSQL tests cannot run, or None when they can."""
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return (
            "PostgreSQL not configured: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/bury_hc"
        )
    return None


@functools.cache
def redis_missing() -> str | None:
    """Why the Redis and Celery-worker tests cannot run, or None when they can."""
    from django.conf import settings

    url = os.environ.get("REDIS_URL", "")
    if not url or not settings.REDIS_URL:
        return "Redis not configured: set REDIS_URL=redis://127.0.0.1:6379/0"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return (
            "Celery runs tasks eagerly (CELERY_TASK_ALWAYS_EAGER is true): unset it to test "
            "with a real worker"
        )
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis not reachable at REDIS_URL ({type(exc).__name__}: {exc})"
    finally:
        client.close()
    return None


@functools.cache
def browser_missing() -> str | None:
    """Why the browser tests cannot run, or None when they can."""
    if not CHROMIUM.exists():
        return f"Chromium not installed: apt-get install chromium (expected {CHROMIUM})"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright not installed: pip install '.[test]'"
    return None


SERVICE_CHECKS = {"postgres": postgres_missing, "redis": redis_missing, "browser": browser_missing}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (or, with BURY_HC_REQUIRE_SERVICES=1, fail) a test whose services are missing."""
    for marker, missing in SERVICE_CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = missing()
        if reason is None:
            continue
        if services_required():
            pytest.fail(f"{reason} (BURY_HC_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(reason)


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    return [
        f"bury_hc: database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"celery {'eager' if settings.CELERY_TASK_ALWAYS_EAGER else 'via broker'}, "
        f"services {'required' if services_required() else 'optional (missing ones skip)'}"
    ]


# --- A real Celery worker -------------------------------------------------------------------


@dataclass
class CeleryWorker:
    """A `celery worker` subprocess consuming one queue no other worker listens to."""

    process: subprocess.Popen
    queue: str
    hostname: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


def _database_url_for_worker() -> str | None:
    """A DATABASE_URL for the test database, so that the worker sees the test's rows."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None  # an in-memory SQLite test database cannot be shared with another process
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def celery_worker_start(
    *, redis_url: str, queue: str | None = None, extra_env: dict[str, str] | None = None
) -> CeleryWorker:
    """Start `celery -A bury_hc worker --pool=solo` on its own queue (a new one unless given),
    in a session of its own (so `os.killpg` kills the whole worker), and wait until it answers.
    Stop it with `celery_worker_stop`."""
    from django.conf import settings

    from bury_hc.celery import app

    queue = queue or f"bury-hc-test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}-{uuid.uuid4().hex[:6]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bury_hc.settings",
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "false"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    database_url = _database_url_for_worker()
    if database_url:
        env["DATABASE_URL"] = database_url
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by celery_worker_stop
        prefix="celery-worker-", suffix=".log", delete=False
    )
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "bury_hc",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        "-Q",
        queue,
        "-n",
        hostname,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log_file.close()
    worker = CeleryWorker(
        process=process, queue=queue, hostname=hostname, log_path=Path(log_file.name)
    )
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            log = worker.log()
            celery_worker_stop(worker)
            pytest.fail(f"The Celery worker exited ({process.returncode}):\n{log}")
        if app.control.ping(destination=[hostname], timeout=0.5):
            return worker
        if time.monotonic() > deadline:
            log = worker.log()
            celery_worker_stop(worker)
            pytest.fail(f"The Celery worker did not answer within {WORKER_START_TIMEOUT} s:\n{log}")


def celery_worker_stop(worker: CeleryWorker) -> None:
    """Warm shutdown, or a kill after 15 seconds; then remove its log."""
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=5)
    worker.log_path.unlink(missing_ok=True)


@pytest.fixture
def real_celery_worker(django_db_setup) -> Iterator[CeleryWorker]:
    """Start `celery -A bury_hc worker --pool=solo` on a unique queue; stop it afterwards.

    Needs the `redis` marker (and `postgres` when the tasks touch the database). The worker is
    given the same REDIS_URL and, on PostgreSQL, a DATABASE_URL naming the *test* database.
    """
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        pytest.fail(
            "real_celery_worker needs REDIS_URL and a non-eager Celery: mark the test `redis`"
        )
    worker = celery_worker_start(redis_url=settings.REDIS_URL)
    try:
        yield worker
    finally:
        celery_worker_stop(worker)
