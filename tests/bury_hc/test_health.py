"""/healthz: open without login for load balancers; every other page needs a sign-in."""

import contextlib
from collections.abc import Iterator

import pytest
from django.urls import reverse
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable

from bury_hc.celery import app as celery_app
from bury_hc.health import reports


def check_states(response) -> dict[str, str]:
    """{check name: "ok" or "failed"} from the JSON rendering."""
    return response.json()["checks"]


@pytest.fixture(autouse=True)
def fresh_report():
    """Each test starts with no health report kept from an earlier one."""
    reports.clear()
    yield
    reports.clear()


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
    assert response.json() == {
        "status": "ok",
        "checks": {"Database": "ok", "Cache": "ok", "Celery": "ok"},
    }


@pytest.mark.django_db
def test_healthz_html_page_shows_check_names_only(client, eager, admin_user):
    response = client.get("/healthz", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    body = response.content.decode()
    for name in ("Database", "Cache", "Celery"):
        assert name in body
    assert "Detail" not in body
    assert admin_user.username not in body
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_text_rendering_for_probes(client, eager):
    response = client.get("/healthz", HTTP_ACCEPT="text/plain")

    assert response.status_code == 200
    assert response.content.decode() == "Database: ok\nCache: ok\nCelery: ok\n"


DATABASE_ERROR = 'connection to server at "127.0.0.1", port 5432 failed'


@pytest.fixture
def database_down(monkeypatch):
    def run(self):
        raise ServiceUnavailable(DATABASE_ERROR)

    monkeypatch.setattr(Database, "run", run)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "text", "html"])
def test_healthz_failure_tells_anyone_only_which_check_failed(client, eager, database_down, fmt):
    response = client.get("/healthz", {"format": fmt} if fmt != "html" else {})

    assert response.status_code == 503
    body = response.content.decode()
    assert "failed" in body
    assert "5432" not in body
    assert "127.0.0.1" not in body
    if fmt == "json":
        assert response.json() == {
            "status": "failed",
            "checks": {"Database": "failed", "Cache": "ok", "Celery": "ok"},
        }


@pytest.mark.django_db
def test_healthz_failure_detail_is_logged(client, eager, database_down, caplog):
    client.get("/healthz", {"format": "json"})

    assert f"Health check Database failed: Unavailable: {DATABASE_ERROR}" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_healthz_failure_detail_shown_to_a_signed_in_administrator(
    client, eager, database_down, admin_user, fmt
):
    client.force_login(admin_user)

    response = client.get("/healthz", {"format": fmt} if fmt != "html" else {})

    assert response.status_code == 503
    if fmt == "json":
        assert response.json()["detail"]["Database"] == f"Unavailable: {DATABASE_ERROR}"
    else:
        assert "port 5432 failed" in response.content.decode()


@pytest.mark.django_db
def test_healthz_failure_detail_hidden_from_other_signed_in_users(
    client, eager, database_down, django_user_model
):
    client.force_login(django_user_model.objects.create_user("board.member", password="x" * 12))

    response = client.get("/healthz", {"format": "json"})

    assert "detail" not in response.json()
    assert "5432" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_runs_the_checks_once_for_many_polls_within_a_few_seconds(
    client, eager, monkeypatch
):
    runs = []
    real_run = Database.run
    monkeypatch.setattr(Database, "run", lambda self: runs.append(1) or real_run(self))

    for _ in range(8):
        assert client.get("/healthz", {"format": "json"}).status_code == 200
    assert len(runs) == 1

    monkeypatch.setattr("bury_hc.health.HEALTH_CHECK_CACHE_SECONDS", 0)
    client.get("/healthz", {"format": "json"})
    assert len(runs) == 2


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_celery_ping_passes_with_a_real_worker(client, worker_queue_is_the_default):
    response = client.get(reverse("healthz"), {"format": "json"})

    assert check_states(response) == {"Database": "ok", "Cache": "ok", "Celery": "ok"}
    assert response.status_code == 200


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_reports_failure_without_a_worker(client):
    # A queue nobody consumes: even a stray worker on the same Redis cannot make this pass.
    with default_queue("bury-hc-test-no-worker"):
        response = client.get(reverse("healthz"), {"format": "json"})

    assert response.status_code == 503
    assert check_states(response) == {"Database": "ok", "Cache": "ok", "Celery": "failed"}


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
