"""The embedded default's worker: jobs run in a background thread of the web process.

With no Redis (Celery eager) a job used to run inside the request that asked for it, so a big
upload or import held the browser until it was done. With JOBS_BACKGROUND_THREADS above 0
(1 by default there) `bury_hc.jobs.job_send` hands the job to a small thread pool instead
(`concurrent.futures.ThreadPoolExecutor`, started at the first job), and the request goes on
at once to the page that polls for the job's progress.

Each job runs as Celery's eager `apply` would, in a thread of its own with its own database
connections, closed when the job ends (as Django closes a request's). On SQLite the threads
and requests take turns at writing (BEGIN IMMEDIATE with a busy timeout, see settings): one
thread by default, so that the jobs themselves never compete for the write lock.

Which jobs are in hand, queued or running, is known across the web processes (gunicorn runs
several): each process that holds jobs keeps a file in JOBS_STATE_DIR naming them, rewritten
every HEARTBEAT seconds while it holds any. The sweeps (`bury_hc.jobs.stuck_jobs_sweep`)
leave alone a job some live process holds; a job whose process died (the server was
restarted) is named in no fresh file, and is marked failed with "Try again".
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

HEARTBEAT = 15.0  # seconds between rewrites of a process's file while it holds jobs
STALE_AFTER = 4 * HEARTBEAT  # a file not rewritten for this long is a dead process's

JobKey = tuple[str, str]  # (task name, its first argument: the job's primary key, as text)


def job_key(name: str, args: tuple[Any, ...] | list[Any]) -> JobKey:
    return (name, str(args[0]) if args else "")


class BackgroundJobs:
    """The thread pool of this process, and the jobs it holds (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._heartbeat: threading.Thread | None = None
        self._held: Counter[JobKey] = Counter()
        self._pid = 0

    # --- sending and running -----------------------------------------------------------------

    def submit(self, name: str, args: tuple[Any, ...]) -> Future:
        """Run the Celery task registered as `name` with `args` in a background thread."""
        key = job_key(name, args)
        with self._lock:
            executor = self.executor()
            self._held[key] += 1
            self._state_write()
        return executor.submit(self._run, name, args, key)

    def executor(self) -> ThreadPoolExecutor:
        """This process's pool, started at the first job."""
        if self._executor is None or self._pid != os.getpid():  # first job, or a forked child
            self._pid = os.getpid()
            self._held.clear()
            self._executor = ThreadPoolExecutor(
                max_workers=max(1, settings.JOBS_BACKGROUND_THREADS),
                thread_name_prefix="bury-hc-job",
            )
            self._heartbeat = threading.Thread(
                target=self._beat, name="bury-hc-job-heartbeat", daemon=True
            )
            self._heartbeat.start()
        return self._executor

    def _run(self, name: str, args: tuple[Any, ...], key: JobKey) -> None:
        from bury_hc.celery import app

        close_old_connections()
        try:
            app.tasks[name].apply(args=args, throw=True)
        except Exception:
            logger.exception("Background job %s%s failed", name, args)
        finally:
            connections.close_all()
            with self._lock:
                self._held[key] -= 1
                if self._held[key] <= 0:
                    del self._held[key]
                self._state_write()

    def idle_wait(self, timeout: float = 30.0) -> bool:
        """Wait until this process holds no job (for tests and shutdown); True if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._held:
                    return True
            time.sleep(0.05)
        return False

    # --- which jobs are held, across processes -----------------------------------------------

    def held(self) -> set[JobKey]:
        """The jobs held by this process and by every other whose file is fresh; the files of
        dead processes are removed."""
        with self._lock:
            held = set(self._held) if self._pid == os.getpid() else set()
        directory = _state_dir()
        if not directory.is_dir():
            return held
        now = time.time()
        for path in directory.glob("*.json"):
            try:
                if now - path.stat().st_mtime > STALE_AFTER:
                    path.unlink(missing_ok=True)
                    continue
                jobs = json.loads(path.read_text())["jobs"]
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being rewritten, or removed meanwhile: its process writes it again
            held.update((str(name), str(pk)) for name, pk in jobs)
        return held

    def _state_path(self) -> Path:
        return _state_dir() / f"{socket.gethostname()}-{os.getpid()}.json"

    def _state_write(self) -> None:
        """Write (or, holding nothing, remove) this process's file. Called with the lock."""
        path = self._state_path()
        try:
            if not self._held:
                path.unlink(missing_ok=True)
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps({"pid": os.getpid(), "jobs": sorted(self._held)}))
            partial.replace(path)
        except OSError:
            logger.exception("Could not record the background jobs in %s", path)

    def _beat(self) -> None:
        while True:
            time.sleep(HEARTBEAT)
            with self._lock:
                if self._held:
                    self._state_write()


def _state_dir() -> Path:
    return Path(settings.JOBS_STATE_DIR)


background_jobs = BackgroundJobs()


def in_background() -> bool:
    """Whether jobs of an eager Celery run in this process's background threads."""
    return settings.JOBS_BACKGROUND_THREADS > 0
