"""Settings for the test suite: the real settings module, run as in production (DEBUG off),
with a throwaway secret key, plain HTTP for the test server, and a fast password hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-only-secret-key-0123456789-abcdefghij")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from bury_hc.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405 - no collectstatic manifest is needed in tests
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# WhiteNoise serves from the finders in tests; an empty static root keeps it quiet.
STATIC_ROOT = BASE_DIR / "var" / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Jobs of an eager Celery run inside the request, so that a test sees their outcome at once;
# the tests of the background threads (tests/bury_hc/test_background_jobs.py) turn them on.
JOBS_BACKGROUND_THREADS = 0
