"""Test helpers for background jobs sent through bury_hc.jobs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bury_hc import jobs
from bury_hc.celery import app


def jobs_run_here(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Jobs with these task names run in the test process, as in the embedded default, even
    when Celery has a broker (for a live server, or a test of the page rather than the task);
    other jobs are sent as usual."""
    send: Callable[..., bool] = jobs.job_send

    def run_here(name: str, *args: object) -> bool:
        if name not in names:
            return send(name, *args)
        app.tasks[name].apply(args)
        return True

    monkeypatch.setattr(jobs, "job_send", run_here)


def jobs_dropped(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Jobs with these task names are neither sent nor run (the test is about the request)."""
    send: Callable[..., bool] = jobs.job_send
    monkeypatch.setattr(
        jobs, "job_send", lambda name, *args: True if name in names else send(name, *args)
    )
