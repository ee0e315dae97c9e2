"""Helpers for tests that run real Celery workers and kill them, or stop Redis under them."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import redis

from bury_hc.celery import app


def wait_for(predicate: Callable[[], object], *, timeout: float = 120, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what or predicate}")


def kill_whole_worker(worker) -> None:
    """SIGKILL the worker's whole process group: no warm shutdown, nothing acknowledged."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=30)


def tasks_succeeded(worker, task_name: str) -> int:
    """How many runs of the task the worker's log reports as succeeded."""
    log = worker.log_path.read_text(errors="replace")
    return sum(
        1 for line in log.splitlines() if f"Task {task_name}[" in line and " succeeded " in line
    )


@contextlib.contextmanager
def default_queue(name: str) -> Iterator[None]:
    """Make `name` Celery's default queue: jobs sent by the code under test go to that worker."""
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield
    finally:
        app.conf.task_default_queue = previous


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class OwnRedis:
    """A redis-server of the test's own, on a free port, with nothing saved to disk: it can be
    stopped and started again without touching the shared Redis."""

    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]  # nothing kept: a restart is empty
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            wait_for(lambda: self._pings(client), timeout=20, what="redis-server to start")
        finally:
            client.close()

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


def celery_reconnect() -> None:
    """Forget the Celery app's broker connections, after its broker URL changed."""
    app._pool = None
    app.amqp._producer_pool = None
