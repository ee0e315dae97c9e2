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
- Without a worker (the embedded default, Celery eager) a job runs in a background thread of
  the web process (`bury_hc.background`, JOBS_BACKGROUND_THREADS: 1 there), so the request
  goes on at once to a page that polls; with JOBS_BACKGROUND_THREADS = 0 it runs inside the
  request. There is no beat there: the pages that show a job's progress run its sweep when
  opened. A job some live web process still holds (queued for its thread, or running) is
  left alone however long it takes; one whose process died (the server was restarted) is
  held by none, and is marked failed once past JOB_ORPHAN_DEADLINE, with "Try again": it is
  never run again by itself, which would hold a request or a thread nobody asked for.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from bury_hc.background import background_jobs, in_background
from bury_hc.celery import app
from bury_hc.models import FileUpload, WaitingJob

logger = logging.getLogger(__name__)

# Failures that mean "the broker cannot be reached", as opposed to a bug in the caller.
BROKER_ERRORS = (BrokerError, RedisError, ConnectionError, TimeoutError)

JOB_WAIT_DEADLINE = dt.timedelta(minutes=10)
JOB_RUN_DEADLINE = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + dt.timedelta(minutes=5)
JOB_MAX_SENDS = 3
# Without a worker, a job held by no live web process (bury_hc.background) and not touched for
# this long is dead: its process went away. (Held jobs are known, so no long wait is needed.)
JOB_ORPHAN_DEADLINE = dt.timedelta(minutes=2)


def job_send(name: str, *args: Any) -> bool:
    """Hand the task registered as `name` to a worker now (when Celery is eager, to this
    process's background thread, or run it here with JOBS_BACKGROUND_THREADS = 0). Returns
    False, after logging it and keeping the job as waiting, when the broker cannot be reached.
    An unknown name is a KeyError, never a message sent to no one."""
    task = app.tasks[name]
    if app.conf.task_always_eager:
        if in_background():
            background_jobs.submit(name, args)
        else:
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


def _in_threads() -> bool:
    return bool(app.conf.task_always_eager) and in_background()


def wait_deadline() -> dt.datetime:
    """Jobs queued before this and still not taken by a worker are stuck (without a worker:
    unless a live web process holds them, see `stuck_jobs_sweep`)."""
    return timezone.now() - (JOB_ORPHAN_DEADLINE if _in_threads() else JOB_WAIT_DEADLINE)


def run_deadline() -> dt.datetime:
    """Jobs started before this and still running are dead (past Celery's hard time limit;
    without a worker: unless a live web process holds them)."""
    return timezone.now() - (JOB_ORPHAN_DEADLINE if _in_threads() else JOB_RUN_DEADLINE)


@dataclass
class SweepOutcome:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def stuck_jobs_sweep(
    *,
    stuck: models.QuerySet,
    sends: Callable[[Any], int],
    fail: Callable[[Any], None],
    tasks: Callable[[Any], Collection[str]],
    requeue: Callable[[Any], None] | None = None,
) -> SweepOutcome:
    """Release each stuck job of `stuck` (rows a worker holds locked are skipped): `requeue` it
    (which must record the send and send it after commit) while it has been sent fewer than
    JOB_MAX_SENDS times and a worker exists, else `fail` it (always, without `requeue`).
    Without a worker, a job that a live web process still holds in a background thread (as
    one of `tasks(job)`, the names of the tasks that run it, given its primary key) is left
    alone, and no transaction is opened for it (on SQLite one would wait for the job's write
    lock). One transaction; logged."""
    outcome = SweepOutcome()
    eager = app.conf.task_always_eager  # no worker: running it again would block a request
    if _in_threads():
        held = background_jobs.held()
        stuck = stuck.filter(
            pk__in=[
                job.pk
                for job in stuck
                if not any((name, str(job.pk)) in held for name in tasks(job))
            ]
        )
        if not stuck.exists():
            return outcome
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
    sent by the broker or by `waiting_jobs_send`. Beat runs it every minute; without a worker
    the upload's page runs it, and an upload queued in a process that died is failed too."""
    stuck = FileUpload.objects.filter(state=FileUpload.State.READING, updated_at__lt=run_deadline())
    if _in_threads():
        stuck = stuck | FileUpload.objects.filter(
            state=FileUpload.State.QUEUED, updated_at__lt=wait_deadline()
        )
    return stuck_jobs_sweep(
        stuck=stuck, sends=lambda upload: 1, fail=_file_upload_fail, tasks=_file_upload_tasks
    )


def file_upload_release_if_stuck(upload: FileUpload) -> FileUpload:
    """For the upload's page: released now if past its deadline, as the sweep would (where no
    worker and beat run, the embedded default, nothing else would). One read when it is not."""
    if not upload.finished and upload.updated_at < (
        run_deadline() if upload.state == FileUpload.State.READING else wait_deadline()
    ):
        file_uploads_sweep()
        upload.refresh_from_db()
    return upload


def _file_upload_tasks(upload: FileUpload) -> list[str]:
    return [str(upload.parameters.get(FILE_UPLOAD_TASK, ""))]


FILE_UPLOAD_TASK = "task"  # the parameter naming the task that reads an upload (bury_hc.uploads)


def _file_upload_fail(upload: FileUpload) -> None:
    upload.state = FileUpload.State.FAILED
    upload.problems = [{"row": None, "column": None, "message": FILE_UPLOAD_STOPPED}]
    upload.file.delete(save=False)
    upload.save(update_fields=["state", "problems", "file", "updated_at"])
