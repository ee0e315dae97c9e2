"""The settings module, loaded in a fresh interpreter with a clean environment each time."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-long-random-test-secret-key-for-the-settings-tests-0123456789"
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({"
    "'DEBUG': settings.DEBUG, "
    "'ENGINE': settings.DATABASES['default']['ENGINE'], "
    "'DB_NAME': str(settings.DATABASES['default']['NAME']), "
    "'EAGER': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'BROKER': settings.CELERY_BROKER_URL, "
    "'CACHE': settings.CACHES['default']['BACKEND'], "
    "'CACHE_LOCATION': settings.CACHES['default'].get('LOCATION', ''), "
    "'SSL_REDIRECT': getattr(settings, 'SECURE_SSL_REDIRECT', False), "
    "'ALLOWED_HOSTS': settings.ALLOWED_HOSTS, "
    "'SITE_URL': settings.SITE_URL}))"
)


def dotenv_names() -> set[str]:
    """Variables a developer's .env sets: settings.py reads it, so tests must not fight it."""
    path = ROOT / ".env"
    if not path.exists():
        return set()
    pattern = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
    return {m.group(1) for line in path.read_text().splitlines() if (m := pattern.match(line))}


def load_settings(*, skip_if_dotenv_sets: tuple[str, ...] = (), **variables: str):
    """Import bury_hc.settings in a subprocess with only PATH, HOME and `variables` set."""
    clash = dotenv_names() & set(skip_if_dotenv_sets)
    if clash:
        pytest.skip(
            f"{ROOT / '.env'} sets {', '.join(sorted(clash))}, which this test leaves unset"
        )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_SETTINGS_MODULE": "bury_hc.settings",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_refuse_to_load_without_secret_key_or_debug():
    result = load_settings(skip_if_dotenv_sets=("DJANGO_SECRET_KEY", "DJANGO_DEBUG"))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set DJANGO_SECRET_KEY (a long random string) or DJANGO_DEBUG=true" in result.stderr


def test_debug_defaults_to_false_and_production_hardening_is_on():
    settings = loaded(
        load_settings(
            DJANGO_SECRET_KEY=SECRET,
            skip_if_dotenv_sets=(
                "DJANGO_DEBUG",
                "DJANGO_SECURE_SSL_REDIRECT",
                "DJANGO_ALLOWED_HOSTS",
            ),
        )
    )

    assert settings["DEBUG"] is False
    assert settings["SSL_REDIRECT"] is True
    assert settings["ALLOWED_HOSTS"] == []


def test_debug_true_runs_without_a_secret_key():
    settings = loaded(
        load_settings(DJANGO_DEBUG="true", skip_if_dotenv_sets=("DJANGO_ALLOWED_HOSTS",))
    )

    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_embedded_default_is_sqlite_with_eager_celery():
    settings = loaded(
        load_settings(
            DJANGO_SECRET_KEY=SECRET,
            skip_if_dotenv_sets=("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"),
        )
    )

    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["DB_NAME"].endswith("var/db.sqlite3")
    assert settings["EAGER"] is True
    assert settings["BROKER"] == "memory://"
    assert settings["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"


def test_database_url_selects_postgresql():
    settings = loaded(
        load_settings(
            DJANGO_SECRET_KEY=SECRET, DATABASE_URL="postgres://someone@db.example:5432/bury_hc"
        )
    )

    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert settings["DB_NAME"] == "bury_hc"


def test_redis_url_turns_off_eager_celery_and_uses_redis():
    settings = loaded(
        load_settings(
            DJANGO_SECRET_KEY=SECRET,
            REDIS_URL="redis://cache.example:6379/0",
            skip_if_dotenv_sets=("CELERY_TASK_ALWAYS_EAGER",),
        )
    )

    assert settings["EAGER"] is False
    assert settings["BROKER"] == "redis://cache.example:6379/0"
    assert settings["CACHE"] == "bury_hc.cache.FailSafeRedisCache"
    # The cache has a database of its own: clearing it must not empty the job queue.
    assert settings["CACHE_LOCATION"] == "redis://cache.example:6379/1"


@pytest.mark.parametrize(
    ("redis_url", "cache_url"),
    [
        ("redis://r:6379/0", "redis://r:6379/1"),
        ("redis://r:6379", "redis://r:6379/1"),
        ("redis://:secret@r:6379/14", "redis://:secret@r:6379/15"),
        ("redis://r:6379/15", "redis://r:6379/14"),
        ("unix:///run/redis.sock?db=0", "unix:///run/redis.sock?db=0"),  # no db in the path
        ("", ""),
    ],
)
def test_the_cache_uses_another_redis_database_than_the_queue(redis_url, cache_url):
    from bury_hc.settings import redis_cache_url_for

    assert redis_cache_url_for(redis_url) == cache_url


def test_site_url_defaults_to_the_first_allowed_host():
    settings = loaded(
        load_settings(
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_ALLOWED_HOSTS="performance.bury.example,localhost",
            skip_if_dotenv_sets=("DJANGO_DEBUG", "SITE_URL"),
        )
    )

    assert settings["SITE_URL"] == "https://performance.bury.example"
