"""/healthz: open without login for load balancers; every other page needs a sign-in."""

import contextlib
from collections.abc import Iterator

import pytest
from django.urls import reverse

from bury_hc.celery import app as celery_app


def check_states(response) -> dict[str, str]:
    """{check class name: "OK" or the error} from the JSON rendering."""
    return {key.split("(", 1)[0]: value for key, value in response.json().items()}


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@contextlib.contextmanager
def default_queue(name: str) -> Iterator[None]:
    """Make `name` Celery's default queue, the one the Ping check wants a worker for."""
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    try:
        yield
    finally:
        celery_app.conf.task_default_queue = previous


@pytest.fixture
def worker_queue_is_the_default(real_celery_worker):
    """Point the default queue at the test worker's own queue, so that a stray worker elsewhere
    on the same Redis cannot answer for it."""
    with default_queue(real_celery_worker.queue):
        yield real_celery_worker


@pytest.mark.django_db
def test_healthz_needs_no_login_and_reports_every_check_in_the_embedded_default(client, eager):
    response = client.get(reverse("healthz"), {"format": "json"})

    assert response.status_code == 200
    assert check_states(response) == {"Database": "OK", "Cache": "OK", "CeleryInProcess": "OK"}


@pytest.mark.django_db
def test_healthz_html_page_shows_check_names_only(client, eager, admin_user):
    response = client.get("/healthz", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    body = response.content.decode()
    for name in ("Database", "Cache", "CeleryInProcess"):
        assert name in body
    assert "sign-in" not in body
    assert admin_user.username not in body
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_text_rendering_for_probes(client, eager):
    response = client.get("/healthz", HTTP_ACCEPT="text/plain")

    assert response.status_code == 200
    assert response.content.decode().count(": OK") == 3


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_celery_ping_passes_with_a_real_worker(client, worker_queue_is_the_default):
    response = client.get(reverse("healthz"), {"format": "json"})

    assert check_states(response) == {"Database": "OK", "Cache": "OK", "Ping": "OK"}
    assert response.status_code == 200


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_reports_failure_without_a_worker(client):
    # A queue nobody consumes: even a stray worker on the same Redis cannot make this pass.
    with default_queue("bury-hc-test-no-worker"):
        response = client.get(reverse("healthz"), {"format": "json"})

    assert response.status_code == 500  # django-health-check answers 500 when a check fails
    states = check_states(response)
    assert states["Database"] == "OK"
    assert states["Cache"] == "OK"
    assert states["Ping"] in {
        "Unavailable: Celery workers unavailable",
        "Unavailable: No worker for Celery task queue bury-hc-test-no-worker",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/programmes/", "/performance/", "/finance/", "/scrutiny/"])
def test_every_other_page_sends_an_anonymous_user_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.django_db
def test_home_page_redirects_anonymous_user_to_sign_in_with_next(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/"
