"""Does polling /healthz slow signed-in pages? (issue 10: eight anonymous pollers raised a
signed-in page's p95 from 229 ms to 1,322 ms.)

Starts gunicorn (4 sync workers, production settings) on the database and Redis named by
DATABASE_URL and REDIS_URL (no Celery worker: the Celery check waits its full second and
fails, the worst case), signs in, and times GET /performance/ one after another, first alone,
then while eight threads poll /healthz.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N .venv/bin/python bench/healthz_pollers.py

POLL_PAUSE: seconds each poller waits between polls (default 1; 0 polls without pause);
HEALTH_CHECK_CACHE_SECONDS=0 runs the checks on every poll, as before issue 10.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from racing_saves import PASSWORD, ROOT, Session, environment, gunicorn_start, signed_in

SETUP = """
import django; django.setup()
from bury_hc.roles import Role
from django.contrib.auth import get_user_model
from tests.factories import user_with_role
get_user_model().objects.filter(username="bench.reader").delete()
user = user_with_role(Role.BOARD_MEMBER, username="bench.reader")
user.set_password({password!r}); user.save()
"""


def timings(session: Session, path: str, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        start = time.monotonic()
        session.get(path)
        seconds.append(time.monotonic() - start)
    return seconds


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def poll(base: str, stop: threading.Event, counts: list[int], pause: float) -> None:
    while not stop.wait(pause):
        try:
            with urllib.request.urlopen(base + "/healthz?format=json", timeout=30):  # noqa: S310
                pass
        except urllib.error.HTTPError:
            pass  # 503: a check failed, which is an answer
        counts.append(1)


def main() -> None:
    env = environment()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [sys.executable, "-c", SETUP.format(password=PASSWORD)], env=env, check=True, cwd=ROOT
    )
    port = 8766
    server = gunicorn_start(env, port, "--workers", "4")
    try:
        base = f"http://127.0.0.1:{port}"
        session = signed_in(base, "bench.reader")
        timings(session, "/performance/", 5)  # warm up
        alone = timings(session, "/performance/", 60)
        stop, counts = threading.Event(), []
        pause = float(os.environ.get("POLL_PAUSE", "1"))
        pollers = [
            threading.Thread(target=poll, args=(base, stop, counts, pause)) for _ in range(8)
        ]
        for poller in pollers:
            poller.start()
        time.sleep(2)
        began, before = time.monotonic(), len(counts)
        polled = timings(session, "/performance/", 60)
        rate = (len(counts) - before) / (time.monotonic() - began)
        stop.set()
        for poller in pollers:
            poller.join()
        print(
            f"/performance/ alone: median {statistics.median(alone) * 1000:.0f} ms, "
            f"p95 {p95(alone) * 1000:.0f} ms"
        )
        print(
            f"/performance/ with 8 pollers of /healthz ({rate:.0f} polls/s answered): "
            f"median {statistics.median(polled) * 1000:.0f} ms, p95 {p95(polled) * 1000:.0f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
