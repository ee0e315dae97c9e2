"""Benchmark: latency of the highlight report with 200 measures under 20 concurrent clients,
against a static file of the same size served by the same server in the same run.

    .venv/bin/python bench/dashboard_latency.py [--measures 200] [--clients 20]
                                                [--requests 400] [--workers 2]

It fills the benchmark database with 200 highlight measures (COPY, not timed), rebuilds their
snapshots, starts gunicorn on 127.0.0.1 (loopback only), signs a user in, and sends a bounded
number of requests from a thread pool. Prints median and 95th-percentile latencies.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _setup import (
    ENV,
    ROOT,
    bench_batch,
    copy_observations,
    django_setup,
    gunicorn,
    months,
    reset_measure_data,
    signed_in,
    synthetic_world,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_get(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        response.read()
        assert response.status == 200
    return time.perf_counter() - started


def load(url: str, cookie: str, *, clients: int, requests: int) -> list[float]:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(lambda _: timed_get(url, cookie), range(requests)))


def describe(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"| {name} | {len(samples)} | {statistics.median(ordered) * 1000:.0f} | {p95 * 1000:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bury_hc.periods import Quarter
    from bury_hc.roles import Role
    from performance.selectors import dashboard_rows
    from performance.snapshots import snapshots_rebuild

    reset_measure_data()
    _, areas, measures = synthetic_world(councils=24, measures=args.measures, highlight=True)
    periods = months(27)
    copy_observations(areas=areas, measures=measures, periods=periods, batch=bench_batch())
    snapshots_rebuild()
    quarter = Quarter.containing(periods[-1][1])
    with CaptureQueriesContext(connection) as queries:
        rows = dashboard_rows(quarter=quarter, highlight_only=True)
    print(f"{len(rows)} highlight rows read in {len(queries)} queries")

    cookie = "=".join(signed_in("bench.reader", Role.BOARD_MEMBER))

    static_root = Path(settings.STATIC_ROOT)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **ENV},
        check=True,
    )
    port = free_port()
    server = gunicorn(port, workers=args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        page_url = f"{base}/performance/?quarter={quarter.code}"
        for _ in range(50):
            try:
                timed_get(page_url, cookie)
                break
            except OSError:
                time.sleep(0.2)
        page_request = urllib.request.Request(page_url, headers={"Cookie": cookie})  # noqa: S310
        with urllib.request.urlopen(page_request, timeout=30) as response:  # noqa: S310
            size = len(response.read())
        # A static file of the same size, served by the same server (WhiteNoise).
        static_file = static_root / "bench-same-size.html"
        static_file.write_bytes(b"x" * size)
        server.terminate()
        server.wait(timeout=10)
        server = gunicorn(port, workers=args.workers)
        static_url = f"{base}/static/bench-same-size.html"
        for _ in range(50):
            try:
                timed_get(static_url, cookie)
                break
            except OSError:
                time.sleep(0.2)
        load(page_url, cookie, clients=args.clients, requests=40)  # warm up
        page = load(page_url, cookie, clients=args.clients, requests=args.requests)
        static = load(static_url, cookie, clients=args.clients, requests=args.requests)
        print(
            f"\nPage size {size:,} bytes; {args.clients} concurrent clients; "
            f"gunicorn with {args.workers} workers on 127.0.0.1\n"
        )
        print("| what | requests | median (ms) | 95th percentile (ms) |")
        print("|---|---:|---:|---:|")
        print(describe(f"highlight report, {len(rows)} measures", page))
        print(describe("static file of the same size", static))
    finally:
        server.terminate()
        server.wait(timeout=10)
        (static_root / "bench-same-size.html").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
