"""Background jobs that cannot get stuck: the one way every app hands work to Celery, and the
shared rules of the sweep that finds jobs past their deadline.

- Work is sent after the transaction that asked for it commits (`job_send_on_commit`). If the
  broker cannot be reached within about two seconds (settings: REDIS_TIMEOUT, the publish
  retry policy), the request still succeeds: the job is kept as a `WaitingJob`, "waiting for
  the worker", and `waiting_jobs_send` (a beat task, every minute) sends it when Redis is back.
- Tasks are acknowledged late and rejected when their worker dies (settings), and are written
  to be safe to run twice. A job whose worker died is found by its app's sweep (imports in
  `performance`, pack exports in `scrutiny`, background uploads here), all built on
  `stuck_jobs_sweep`: a job waiting longer than JOB_WAIT_DEADLINE, or running longer than
  JOB_RUN_DEADLINE (past Celery's hard time limit, so certainly dead), is sent again, up to
  JOB_MAX_SENDS times in all; then it is marked failed, and its page offers "Try again".
- Without a worker (the embedded default: tasks run in the request) a stuck job is marked
  failed at once: running it again would hold another request. There is no beat there, so
  the sweeps run only where a worker and beat run; "Try again" works everywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from bury_hc.celery import app
from bury_hc.models import FileUpload, WaitingJob

logger = logging.getLogger(__name__)

# Failures that mean "the broker cannot be reached", as opposed to a bug in the caller.
BROKER_ERRORS = (BrokerError, RedisError, ConnectionError, TimeoutError)

JOB_WAIT_DEADLINE = dt.timedelta(minutes=10)
JOB_RUN_DEADLINE = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + dt.timedelta(minutes=5)
JOB_MAX_SENDS = 3


def job_send(name: str, *args: Any) -> bool:
    """Hand the task registered as `name` to a worker now (run it here when Celery is eager).
    Returns False, after logging it and keeping the job as waiting, when the broker cannot be
    reached. An unknown name is a KeyError, never a message sent to no one."""
    task = app.tasks[name]
    if app.conf.task_always_eager:
        task.delay(*args)
        return True
    try:
        task.apply_async(args=tuple(args), ignore_result=True)
    except BROKER_ERRORS as exc:
        logger.warning(
            "Broker unreachable (%s): job %s%s kept, waiting for the worker",
            type(exc).__name__,
            name,
            tuple(args),
        )
        WaitingJob.objects.create(task_name=name, args=list(args), last_error=_error(exc))
        return False
    return True


def job_send_on_commit(name: str, *args: Any) -> None:
    """`job_send` once the current transaction commits (at once outside one)."""
    if name not in app.tasks:  # fail now, in the caller, not after the commit
        raise KeyError(name)
    transaction.on_commit(partial(job_send, name, *args))


def waiting_jobs_send(*, limit: int = 500) -> int:
    """Send the jobs that waited for the broker, oldest first; stop at the first that still
    cannot be sent. Returns how many went. Safe to run twice at once (rows are locked, and
    every task is idempotent)."""
    sent = 0
    for pk in WaitingJob.objects.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            job = WaitingJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue
            try:
                app.tasks[job.task_name].apply_async(args=job.args, ignore_result=True)
            except BROKER_ERRORS as exc:
                WaitingJob.objects.filter(pk=pk).update(
                    attempts=models.F("attempts") + 1, last_error=_error(exc)
                )
                logger.warning(
                    "Broker still unreachable: %d jobs left waiting", WaitingJob.objects.count()
                )
                break
            job.delete()
            sent += 1
    if sent:
        logger.info("Sent %d jobs that were waiting for the worker", sent)
    return sent


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def wait_deadline() -> dt.datetime:
    """Jobs queued before this and still not taken by a worker are stuck."""
    return timezone.now() - JOB_WAIT_DEADLINE


def run_deadline() -> dt.datetime:
    """Jobs started before this and still running are dead (past Celery's hard time limit)."""
    return timezone.now() - JOB_RUN_DEADLINE


@dataclass
class SweepOutcome:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def stuck_jobs_sweep(
    *,
    stuck: models.QuerySet,
    sends: Callable[[Any], int],
    fail: Callable[[Any], None],
    requeue: Callable[[Any], None] | None = None,
) -> SweepOutcome:
    """Release each stuck job of `stuck` (rows a worker holds locked are skipped): `requeue` it
    (which must record the send and send it after commit) while it has been sent fewer than
    JOB_MAX_SENDS times and a worker exists, else `fail` it (always, without `requeue`). One
    transaction; logged."""
    outcome = SweepOutcome()
    eager = app.conf.task_always_eager  # no worker: running it again would block a request
    with transaction.atomic():
        for job in stuck.select_for_update(skip_locked=True):
            label = f"{job._meta.verbose_name} {job.pk}"
            if requeue is not None and not eager and sends(job) < JOB_MAX_SENDS:
                requeue(job)
                outcome.requeued.append(job.pk)
                logger.warning("Stuck job: %s sent to a worker again", label)
            else:
                fail(job)
                outcome.failed.append(job.pk)
                logger.warning("Stuck job: %s marked failed after %d sends", label, sends(job))
    return outcome


FILE_UPLOAD_STOPPED = (
    "The file was not loaded: the background worker stopped while reading it, and nothing was "
    "saved. Upload it again; if it happens again, tell the performance team."
)


def file_uploads_sweep() -> SweepOutcome:
    """Mark failed the uploads "being read" for longer than JOB_RUN_DEADLINE: their worker died
    (so their transaction was rolled back), and a redelivered task leaves an upload that is no
    longer queued alone. The page then asks for the file again. An upload still queued is
    sent by the broker or by `waiting_jobs_send`. Beat runs it every minute."""
    stuck = FileUpload.objects.filter(state=FileUpload.State.READING, updated_at__lt=run_deadline())
    return stuck_jobs_sweep(stuck=stuck, sends=lambda upload: 1, fail=_file_upload_fail)


def _file_upload_fail(upload: FileUpload) -> None:
    upload.state = FileUpload.State.FAILED
    upload.problems = [{"row": None, "column": None, "message": FILE_UPLOAD_STOPPED}]
    upload.file.delete(save=False)
    upload.save(update_fields=["state", "problems", "file", "updated_at"])
