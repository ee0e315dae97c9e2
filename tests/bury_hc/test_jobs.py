"""bury_hc.jobs: a job whose broker is down is kept, waiting for the worker, and sent later."""

import datetime as dt

import pytest
from kombu.exceptions import OperationalError

from bury_hc import jobs
from bury_hc.celery import app
from bury_hc.models import WaitingJob

pytestmark = pytest.mark.django_db
TASK = "bury_hc.tasks.sessions_clear_expired"


@pytest.fixture
def broker(settings, monkeypatch):
    """Tasks go through the broker, whose state the test sets: `broker.down = True`."""
    settings.CELERY_TASK_ALWAYS_EAGER = False

    class Broker:
        down = False
        sent: list = []

        def apply_async(self, args=None, **options):
            if self.down:
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379.")
            self.sent.append((args, options))

    fake = Broker()
    monkeypatch.setattr(app.tasks[TASK], "apply_async", fake.apply_async)
    return fake


def test_job_send_with_the_broker_down_keeps_the_job_waiting(broker, caplog):
    broker.down = True

    assert jobs.job_send(TASK, 7) is False

    job = WaitingJob.objects.get()
    assert (job.task_name, job.args) == (TASK, [7])
    assert job.last_error.startswith("OperationalError: Error 111")
    assert "waiting for the worker" in caplog.text


def test_job_send_on_commit_sends_after_commit_without_results(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_send_on_commit(TASK, 7)
        assert broker.sent == []

    assert [(list(args), options) for args, options in broker.sent] == [
        ([7], {"ignore_result": True})
    ]


def test_job_send_on_commit_refuses_an_unknown_task_at_once():
    with pytest.raises(KeyError):
        jobs.job_send_on_commit("no.such.task", 1)


def test_waiting_jobs_are_sent_when_the_broker_is_back(broker):
    broker.down = True
    jobs.job_send(TASK, 1)
    jobs.job_send(TASK, 2)

    assert jobs.waiting_jobs_send() == 0  # still down: both kept
    assert list(WaitingJob.objects.values_list("attempts", flat=True)) == [2, 1]

    broker.down = False
    assert jobs.waiting_jobs_send() == 2
    assert [args for args, _ in broker.sent] == [[1], [2]]
    assert not WaitingJob.objects.exists()


def test_in_the_embedded_default_a_job_runs_at_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert jobs.job_send(TASK) is True
    assert not WaitingJob.objects.exists()


def test_broker_settings_fail_fast_and_outlast_the_longest_task(settings):
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert options["socket_connect_timeout"] <= 2
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 1
    assert jobs.JOB_RUN_DEADLINE.total_seconds() > settings.CELERY_TASK_TIME_LIMIT


def test_file_upload_whose_worker_died_while_reading_is_marked_failed(django_user_model):
    from django.utils import timezone

    from bury_hc.models import FileUpload

    user = django_user_model.objects.create_user("finance.council")
    reading = FileUpload.objects.create(
        kind="finance", file_name="figures.xlsx", state=FileUpload.State.READING, created_by=user
    )
    recent = FileUpload.objects.create(
        kind="finance", file_name="other.xlsx", state=FileUpload.State.READING, created_by=user
    )
    FileUpload.objects.filter(pk=reading.pk).update(
        updated_at=timezone.now() - jobs.JOB_RUN_DEADLINE - dt.timedelta(minutes=1)
    )

    assert jobs.file_uploads_sweep().failed == [reading.pk]

    reading.refresh_from_db()
    assert reading.state == FileUpload.State.FAILED
    assert reading.problems[0]["message"] == jobs.FILE_UPLOAD_STOPPED
    assert FileUpload.objects.get(pk=recent.pk).state == FileUpload.State.READING
