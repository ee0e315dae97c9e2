"""Redis stopped under the running app: pages still answer, an edit is saved, and its job runs
once Redis is back (PostgreSQL, a redis-server of the test's own, a real Celery worker)."""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest
from django.urls import reverse

from bury_hc import jobs
from bury_hc.models import WaitingJob
from bury_hc.periods import Period, Quarter
from bury_hc.roles import Role
from performance.models import DashboardSnapshot, Target
from performance.snapshots import snapshots_rebuild
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.factories import AreaFactory, MeasureFactory, ObservationFactory, user_with_role
from tests.support.workers import OwnRedis, celery_reconnect, default_queue, free_port, wait_for

Q4 = Quarter(2024, 4)
HIGHLIGHTS = reverse("performance:highlights") + "?quarter=2024-25-Q4"


@pytest.fixture
def own_redis():
    server = OwnRedis(port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_on_own_redis(own_redis, settings):
    """The app in this process uses the test's own Redis as cache and broker."""
    settings.REDIS_URL = settings.CELERY_BROKER_URL = own_redis.url
    settings.CELERY_RESULT_BACKEND = own_redis.url
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "bury_hc.cache.FailSafeRedisCache",
            "LOCATION": own_redis.url,
        }
    }
    celery_reconnect()
    yield own_redis
    celery_reconnect()  # back to the settings' own broker once they are restored


@pytest.fixture
def measure(db):
    bury = AreaFactory(ons_code="E08000002", name="Bury")
    measure = MeasureFactory(
        code="ASC-WL-01", name="People waiting", report_section="waiting-lists"
    )
    measure.in_highlight_report = True
    measure.save()
    for quarter, value in ((Quarter(2024, 3), "60"), (Q4, "54")):
        ObservationFactory(
            measure=measure, area=bury, period=Period.for_quarter(quarter), value=D(value)
        )
    snapshots_rebuild()
    return measure


def snapshot_status(measure) -> str:
    return DashboardSnapshot.objects.get(
        measure=measure, quarter=Q4, area__ons_code="E08000002"
    ).status


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_pages_answer_and_the_edit_job_runs_when_it_returns(
    client, app_on_own_redis, measure, capsys
):
    redis_server = app_on_own_redis
    worker = celery_worker_start(redis_url=redis_server.url)
    try:
        with default_queue(worker.queue):
            client.force_login(user_with_role(Role.PERFORMANCE_ANALYST))
            assert client.get(HIGHLIGHTS).status_code == 200  # cached in Redis

            redis_server.stop()

            page, page_seconds = timed(lambda: client.get(HIGHLIGHTS))
            assert page.status_code == 200
            assert "<strong>54</strong>" in page.content.decode()
            edit, edit_seconds = timed(
                lambda: client.post(
                    reverse("performance:target_new", kwargs={"code": "ASC-WL-01"}),
                    {
                        "applies_from": "2024-04-01",
                        "applies_to": "2025-03-31",
                        "value": "50",
                        "tolerance": "5",
                    },
                    follow=True,
                )
            )
            assert edit.status_code == 200
            assert Target.objects.get().value == D("50")  # saved
            waiting = WaitingJob.objects.get()
            assert waiting.task_name == "performance.snapshots_rebuild"
            assert snapshot_status(measure) == "no_target"  # its rebuild has not run yet

            redis_server.start()
            celery_reconnect()
            wait_for(
                lambda: (
                    worker.process.poll() is None
                    and jobs.app.control.ping(destination=[worker.hostname], timeout=0.5)
                ),
                timeout=90,
                what="the worker to reconnect",
            )
            assert jobs.waiting_jobs_send() == 1  # what beat's jobs_waiting_send does
            wait_for(lambda: snapshot_status(measure) == "within_tolerance", what="the rebuild")
            assert not WaitingJob.objects.exists()
    finally:
        celery_worker_stop(worker)
    with capsys.disabled():
        print(
            f"\nRedis stopped: highlight page {page_seconds:.2f} s, "
            f"target edit (with redirect) {edit_seconds:.2f} s"
        )
