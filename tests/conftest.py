"""Root conftest: gating of tests that need real services, and a real Celery worker.

Tests marked `postgres`, `redis` or `browser` need PostgreSQL, Redis (with a worker started by
the test) or Debian's Chromium with Playwright. On a bare machine they are skipped with the
reason; with BURY_HC_REQUIRE_SERVICES=1 (CI sets it) a missing service fails the test instead,
so CI cannot go green by skipping the tests that matter.

The Bury demo data, loaded once: ask for the `shared_demo` fixture (it returns the
`demo.loader.DemoLoadResult` of a load with the demo users) instead of calling `demo_load` in
each test. The demo is loaded once, in an outer transaction that every such test's own
transaction nests inside (as a savepoint): a test may read it or change it, and its changes
are rolled back after it. The tests asking for it are run one after another (see
`pytest_collection_modifyitems` below); after the last one the outer transaction is rolled back,
so tests that do not ask for it see an empty database as before. It is for `db` tests only: a
test with `transactional_db` or `live_server` (the browser journeys) must load its own.
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
from django.db import transaction

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
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed once the worker has it
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


# --- The Bury demo, loaded once for the tests that read it -----------------------------------

SHARED_DEMO_FIXTURE = "shared_demo"


class _OuterDemoTransaction:
    """The demo loaded inside an outer transaction, as Django's TestCase does with its class
    data: the tests' own transactions become savepoints inside it, and it is rolled back after
    the last test that uses it."""

    def __init__(self) -> None:
        self.atomic: transaction.Atomic | None = None
        self.result = None
        self.blocker = None

    @property
    def is_open(self) -> bool:
        return self.atomic is not None

    def open(self, blocker) -> None:
        from django.conf import settings

        from demo.loader import demo_load

        self.blocker = blocker
        with blocker.unblock():
            self.atomic = transaction.atomic()
            # Marked as Django's TestCase marks its own: durable blocks may nest inside it.
            self.atomic._from_testcase = True
            self.atomic.__enter__()
            try:
                self.result = demo_load(
                    fixtures_dir=Path(settings.BASE_DIR) / "fixtures", with_demo_users=True
                )
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_outer_demo = _OuterDemoTransaction()


def _uses_shared_demo(item: pytest.Item | None) -> bool:
    return item is not None and SHARED_DEMO_FIXTURE in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that use the shared demo one after another, where the first of them was.

    pytest-django has already put the `db` tests first; the shared-demo tests are all `db`
    tests, so gathering them at the first one keeps that order."""
    users = [item for item in items if _uses_shared_demo(item)]
    if not users:
        return
    first = items.index(users[0])
    others = [item for item in items[first:] if not _uses_shared_demo(item)]
    items[first:] = users + others


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After the last test of a run of shared-demo tests, roll the demo back."""
    result = yield
    if _outer_demo.is_open and not _uses_shared_demo(nextitem):
        _outer_demo.close()
    return result


@pytest.fixture(scope="session")
def _shared_demo_transaction(django_db_setup, django_db_blocker) -> Iterator[_OuterDemoTransaction]:
    # Session-scoped, so that it is set up before the test's own `db` transaction.
    _outer_demo.open(django_db_blocker)
    yield _outer_demo
    _outer_demo.close()


@pytest.fixture
def shared_demo(request: pytest.FixtureRequest, _shared_demo_transaction, db):
    """The Bury demo data with its demo users, loaded once per session (see the module's
    docstring); returns the load's `DemoLoadResult`."""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        pytest.fail(
            "shared_demo is for `db` tests: a transactional test must load the demo itself",
            pytrace=False,
        )
    if _shared_demo_transaction.is_open:
        return _shared_demo_transaction.result
    # Only when the shared-demo tests did not run one after another (a plugin reordered
    # them): load it in this test's own transaction, as slow as before but still correct.
    from django.conf import settings

    from demo.loader import demo_load

    return demo_load(fixtures_dir=Path(settings.BASE_DIR) / "fixtures", with_demo_users=True)
