"""Racing saves against the running app on the embedded default (SQLite): issue 10's scenario.

Starts gunicorn (production settings, SQLite in a temporary directory, tasks in-process) with
48 threads, signs in as a performance analyst, then sends 48 measure edits at the same moment:
first all to the same measure (one must win, the others be refused as stale), then each to a
different measure (all must be saved). Counts the answers by status; a 500 is a failure.

    .venv/bin/python bench/racing_saves.py [--requests 48] [--workers 4] [--threads 12]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "racing-saves-password-0123"  # noqa: S105 - a throwaway database's only user
SETUP = """
import django; django.setup()
from django.contrib.auth.models import Group
from bury_hc.roles import Role
from tests.factories import MeasureFactory, user_with_role
user = user_with_role(Role.PERFORMANCE_ANALYST, username="analyst")
user.set_password({password!r}); user.save()
for n in range({count}):
    MeasureFactory(code=f"RACE-{{n:02d}}", report_section="waiting-lists")
"""


def environment(directory: Path | None = None) -> dict[str, str]:
    """Production settings on plain HTTP; SQLite and media in `directory` when given, else
    the environment's DATABASE_URL and REDIS_URL."""
    files = (
        {
            "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
            "MEDIA_ROOT": str(directory / "media"),
        }
        if directory
        else {}
    )
    return {
        **os.environ,
        **files,
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnop",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DJANGO_SETTINGS_MODULE": "bury_hc.settings",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 302 is the answer counted (a save redirects), not the page it points to."""

    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirects()
        )

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> int:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - http://127.0.0.1
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def gunicorn_start(env: dict[str, str], port: int, *options: str) -> subprocess.Popen:
    """gunicorn serving the app on 127.0.0.1:`port` with `options`; terminate it when done."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "bury_hc.wsgi", "--bind", f"127.0.0.1:{port}", *options]
    return subprocess.Popen([*command, "--timeout", "120"], env=env, cwd=ROOT)


def signed_in(base: str, username: str) -> Session:
    """A session signed in as `username` (PASSWORD), once the server answers."""
    session = Session(base)
    for _ in range(100):
        try:
            session.get("/sign-in/")
            break
        except OSError:
            time.sleep(0.2)
    answer = session.post("/sign-in/", {"username": username, "password": PASSWORD})
    assert answer == 302, f"sign-in answered {answer}"
    return session


def edit(code: str, version: str) -> dict[str, str]:
    return {
        "code": code,
        "name": f"Renamed {code} {time.monotonic_ns()}",
        "report_section": "waiting-lists",
        "polarity": "lower",
        "frequency": "quarterly",
        "unit": "count",
        "decimal_places": "0",
        "highlight_order": "1",
        "in_highlight_report": "on",
        "is_active": "on",
        "version": version,
    }


def race(session: Session, posts: list[tuple[str, dict[str, str]]]) -> tuple[Counter, float]:
    start = threading.Barrier(len(posts))
    results: list[int] = []
    lock = threading.Lock()

    def send(path: str, data: dict[str, str]) -> None:
        start.wait()
        status = session.post(path, data)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=send, args=post) for post in posts]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(results), time.monotonic() - began


def version_of(session: Session, code: str) -> str:
    page = session.get(f"/performance/measures/{code}/edit/")
    match = re.search(r'name="version" value="(\d*)"', page)
    return match.group(1) if match else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=48)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--port", type=int, default=8765)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp))
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
        setup = SETUP.format(password=PASSWORD, count=options.requests)
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, cwd=ROOT)
        server = gunicorn_start(
            env,
            options.port,
            *("--workers", str(options.workers), "--threads", str(options.threads)),
            *("--log-level", "warning"),
        )
        try:
            session = signed_in(f"http://127.0.0.1:{options.port}", "analyst")
            n = options.requests
            same = version_of(session, "RACE-00")
            path = "/performance/measures/RACE-00/edit/"
            counts, seconds = race(session, [(path, edit("RACE-00", same))] * n)
            print(f"{n} saves of the same measure in {seconds:.1f} s: {dict(counts)}")
            print("  (302: saved; 200 or 409: refused as stale, the other edit shown)")
            posts = []
            for i in range(n):
                code = f"RACE-{i:02d}"
                posts.append(
                    (f"/performance/measures/{code}/edit/", edit(code, version_of(session, code)))
                )
            counts, seconds = race(session, posts)
            print(f"{n} saves of different measures in {seconds:.1f} s: {dict(counts)}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
