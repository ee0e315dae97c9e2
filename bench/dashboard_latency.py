"""Benchmark: latency of the Board's overview and of the highlight report (200 measures) under
20 concurrent clients, each against a static file of the same size served by the same server in
the same run.

    .venv/bin/python bench/dashboard_latency.py [--measures 200] [--clients 20]
                                                [--requests 400] [--workers 2]

It fills the benchmark database with 200 highlight measures (COPY, not timed), rebuilds their
snapshots, adds ten programmes with milestones, updates, a reporting cycle and budget lines
(so that the overview has exceptions and a full programme grid), starts gunicorn on 127.0.0.1
(loopback only), signs a user in, and sends a bounded number of requests from a thread pool.
Prints median and 95th-percentile latencies.
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


def percentile95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.95) - 1]


def describe(name: str, size: int, samples: list[float]) -> str:
    median = statistics.median(samples) * 1000
    return (
        f"| {name} | {size:,} B | {len(samples)} | {median:.0f} | "
        f"{percentile95(samples) * 1000:.0f} |"
    )


def board_world(quarter) -> None:
    """Ten programmes of ten milestones, each with an update this quarter and last (a few Red
    and Amber), the quarter's reporting cycle, and a budget line per programme."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from finance.models import BudgetLine, BudgetPool
    from plans.models import Organisation
    from programmes.models import Milestone, MilestoneUpdate, Programme, ReportingCycle

    ReportingCycle.objects.update_or_create(
        quarter=quarter,
        defaults={
            "opens_on": quarter.end + dt.timedelta(days=1),
            "deadline": quarter.end + dt.timedelta(days=45),
            "is_open": True,
        },
    )
    who, _ = get_user_model().objects.get_or_create(username="bench.lead")
    when = dt.datetime.combine(quarter.end, dt.time(12), tzinfo=dt.UTC)
    pool, _ = BudgetPool.objects.get_or_create(
        pool_type="pooled", defaults={"name": "Pooled budget", "order": 1}
    )
    host, _ = Organisation.objects.get_or_create(
        short_name="Bench", defaults={"name": "Bench council", "kind": "council"}
    )
    statuses = ["green"] * 7 + ["amber", "red", "complete"]
    for number in range(1, 11):
        programme, _ = Programme.objects.get_or_create(
            number=number, defaults={"name": f"Programme {number}", "slug": f"programme-{number}"}
        )
        BudgetLine.objects.get_or_create(
            pool=pool,
            financial_year=quarter.financial_year,
            host_organisation=host,
            service_area=f"Bench service {number}",
            defaults={"programme": programme, "annual_budget": Decimal("1000000.00")},
        )
        for index, status in enumerate(statuses):
            milestone, _ = Milestone.objects.get_or_create(
                programme=programme, title=f"Milestone {index}", due_quarter=quarter.next()
            )
            for when_quarter in (quarter.previous(), quarter):
                MilestoneUpdate.objects.get_or_create(
                    milestone=milestone,
                    quarter=when_quarter,
                    defaults={
                        "status": status,
                        "state": "approved",
                        "progress_percent": 50,
                        "path_to_green": "Recover" if status in ("amber", "red") else "",
                        "back_on_track_quarter": quarter.next()
                        if status in ("amber", "red")
                        else None,
                        "submitted_by": who,
                        "submitted_at": when,
                        "decided_by": who,
                        "decided_at": when,
                    },
                )


def wait_for(url: str, cookie: str) -> None:
    for _ in range(50):
        try:
            timed_get(url, cookie)
            return
        except OSError:
            time.sleep(0.2)


def size_of(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return len(response.read())


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
    board_world(quarter)

    cookie = "=".join(signed_in("bench.reader", Role.BOARD_MEMBER))

    static_root = Path(settings.STATIC_ROOT)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **ENV},
        check=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pages = {
        "overview": f"{base}/",
        f"highlight report, {len(rows)} measures": f"{base}/performance/?quarter={quarter.code}",
    }
    server = gunicorn(port, args.workers)
    try:
        wait_for(next(iter(pages.values())), cookie)
        sizes = {name: size_of(url, cookie) for name, url in pages.items()}
        for name, size in sizes.items():  # static files of the same sizes (WhiteNoise)
            (static_root / f"bench-{len(name)}-{size}.html").write_bytes(b"x" * size)
        server.terminate()
        server.wait(timeout=10)
        server = gunicorn(port, args.workers)  # WhiteNoise indexes the static files at start
        wait_for(next(iter(pages.values())), cookie)
        print(
            f"\n{args.clients} concurrent clients; gunicorn with {args.workers} workers on "
            "127.0.0.1\n"
        )
        print("| what | page size | requests | median (ms) | 95th percentile (ms) |")
        print("|---|---:|---:|---:|---:|")
        for name, url in pages.items():
            static_url = f"{base}/static/bench-{len(name)}-{sizes[name]}.html"
            load(url, cookie, clients=args.clients, requests=40)  # warm up
            load(static_url, cookie, clients=args.clients, requests=40)
            page = load(url, cookie, clients=args.clients, requests=args.requests)
            static = load(static_url, cookie, clients=args.clients, requests=args.requests)
            print(describe(name, sizes[name], page))
            print(describe("static file of the same size", sizes[name], static))
            ratio = percentile95(page) / percentile95(static)
            print(f"| {name}: 95th percentile over the static file's | | | | {ratio:.2f}× |")
    finally:
        server.terminate()
        server.wait(timeout=10)
        for path in static_root.glob("bench-*.html"):
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
