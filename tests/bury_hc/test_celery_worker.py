"""A real Celery worker, fed through Redis, clears expired sessions from PostgreSQL."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from bury_hc.tasks import sessions_clear_expired

RESULT_TIMEOUT = 60  # seconds


def make_session(key: str, *, expires_in: dt.timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="e30:test", expire_date=timezone.now() + expires_in
    )


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sessions_clear_expired_runs_on_a_real_worker(real_celery_worker):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    for number in range(3):
        make_session(f"expired-{number}", expires_in=-dt.timedelta(hours=number + 1))
    make_session("still-valid", expires_in=dt.timedelta(hours=8))

    result = sessions_clear_expired.apply_async(queue=real_celery_worker.queue)
    deleted = result.get(timeout=RESULT_TIMEOUT)

    assert deleted == 3
    assert result.successful()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["still-valid"]
    assert (
        f"bury_hc.tasks.sessions_clear_expired[{result.id}] succeeded" in real_celery_worker.log()
    )


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sessions_clear_expired_is_idempotent_on_a_real_worker(real_celery_worker):
    make_session("expired", expires_in=-dt.timedelta(minutes=1))

    first = sessions_clear_expired.apply_async(queue=real_celery_worker.queue)
    assert first.get(timeout=RESULT_TIMEOUT) == 1
    second = sessions_clear_expired.apply_async(queue=real_celery_worker.queue)

    assert second.get(timeout=RESULT_TIMEOUT) == 0
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_sessions_clear_expired_in_process_when_eager(settings):
    """The embedded default runs the same task eagerly, in the caller's process."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_session("expired", expires_in=-dt.timedelta(seconds=1))
    make_session("valid", expires_in=dt.timedelta(hours=1))

    result = sessions_clear_expired.delay()

    assert result.get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["valid"]
