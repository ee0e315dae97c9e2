"""Benchmark: importing the ASCOF trend file through the browser, end to end.

    .venv/bin/python bench/browser_import.py [--file /work/shared/data/ascof/trend_data.csv]
                                             [--runs 2]

It starts gunicorn (one worker, loopback only) on the benchmark database, signs an analyst in,
and has Chromium (Playwright) do what the analyst does: choose the file and "ASCOF trend data",
name the source, "Upload and check", wait for "Check what the import will change", press
"Import N values" and wait for "File imported". There is no REDIS_URL, as in the embedded
default: the check, the import and the dashboard rebuild run in the server's background thread
(bury_hc.jobs) while the browser polls the progress page, so each step is timed until its page
moves on (the rebuild may still be running after "File imported"). The values are removed
before each run, so every run imports every value as new (the measures and areas the first run
creates stay). Prints the seconds from pressing "Upload and check" to the check page, from
pressing "Import" to the result page, the two together, and the CPU seconds gunicorn used
meanwhile (PostgreSQL's aside).

The database is BENCH_BROWSER_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/bury_hc_bench_browser), created and migrated if needed. Not
a test: run it by hand. Needs /usr/bin/chromium and the ASCOF file (not in the repository).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_BROWSER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bury_hc_bench_browser"
    ),
)

from _setup import ENV, ROOT, django_setup, gunicorn, reset_measure_data, signed_in

ASCOF_FILE = Path("/work/shared/data/ascof/trend_data.csv")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(port: int) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **ENV},
        check=True,
    )
    server = gunicorn(port, workers=1, timeout=300)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by process `pid` and its worker processes (gunicorn's)."""
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for each in (pid, *map(int, children)):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def one_import(page, base: str, path: Path) -> tuple[float, float]:
    page.goto(f"{base}/performance/imports/new/")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_label("ASCOF trend data, as NHS England publishes it").check()
    page.get_by_label("Source").fill("NHS England, ASCOF")
    started = time.perf_counter()
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("heading", name="Check what the import will change").wait_for()
    checked = time.perf_counter()
    page.get_by_role("button", name="Import ").click()
    page.get_by_role("heading", name="File imported").wait_for()
    done = time.perf_counter()
    return checked - started, done - checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=ASCOF_FILE)
    parser.add_argument("--runs", type=int, default=2)
    options = parser.parse_args()
    if not options.file.exists():
        raise SystemExit(f"{options.file} is not here: give --file")

    # Playwright's sync API runs an event loop in this thread; Django refuses the ORM beside
    # one unless told it is safe, which it is here (one thread, no async code).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    django_setup()
    from playwright.sync_api import sync_playwright

    from bury_hc.roles import Role

    cookie_name, cookie_value = signed_in("bench.analyst", Role.PERFORMANCE_ANALYST)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = server_start(port)
    rows = sum(1 for _ in options.file.open(encoding="utf-8-sig")) - 1
    print(
        f"{options.file.name}: {rows:,} rows; gunicorn, 1 worker, jobs in its background "
        "thread; Chromium"
    )
    print("| run | upload and check (s) | import (s) | end to end (s) | CPU s (gunicorn) |")
    print("|---:|---:|---:|---:|---:|")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(locale="en-GB")
            context.add_cookies(
                [{"name": cookie_name, "value": cookie_value, "url": base, "httpOnly": True}]
            )
            page = context.new_page()
            page.set_default_timeout(300_000)
            for run in range(1, options.runs + 1):
                reset_measure_data()
                cpu = process_cpu(server.pid)
                check, apply = one_import(page, base, options.file)
                cpu = process_cpu(server.pid) - cpu
                print(f"| {run} | {check:.1f} | {apply:.1f} | {check + apply:.1f} | {cpu:.1f} |")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
