"""How long sending a task takes when Redis cannot be reached: Celery's `delay()` (what the app
used to do) against `bury_hc.jobs.job_send` (what every request does now).

    REDIS_URL=redis://127.0.0.1:<a closed port>/0 DJANGO_DEBUG=true \\
        .venv/bin/python bench/broker_down_send.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bury_hc.settings")


def main() -> None:
    import django

    django.setup()
    from bury_hc.celery import app

    task = app.tasks["performance.snapshots_rebuild"]
    sends = {
        "job_send's apply_async(ignore_result=True)": lambda: task.apply_async(
            args=[[1], None], ignore_result=True
        ),
        "delay()": lambda: task.delay([1], None),
    }
    for label, send in sends.items():
        start = time.monotonic()
        try:
            send()
            outcome = "sent"
        except Exception as exc:
            outcome = f"{type(exc).__name__}"
        print(f"{label}: {outcome} after {time.monotonic() - start:.2f} s")


if __name__ == "__main__":
    main()
