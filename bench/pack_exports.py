"""Benchmark: how long each pack format takes to make for the Bury demo pack.

    .venv/bin/python bench/pack_exports.py [--runs 3]

Loads the Bury demo into a PostgreSQL database of its own (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bury_hc_bench_packs), then times, for the demo's Q4 2024/25
pack (report cover and the Adult Social Care performance report) and for the same pack with
every section (adding programme delivery, the Integrated Care Fund summary and what changed):
building the content from the selectors, and rendering it to PDF, Word and Excel. Reports the
median of --runs runs and the file sizes and page count. Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import time

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bury_hc_bench_packs"
)

from _setup import django_setup


def timed(function, runs: int):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    django_setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.conf import settings
    from pypdf import PdfReader

    from demo.loader import demo_load
    from scrutiny.models import CommitteePack, PackSection
    from scrutiny.render import render_pack
    from scrutiny.selectors import pack_content_build

    demo_load(fixtures_dir=settings.BASE_DIR / "fixtures", with_demo_users=True)
    pack = CommitteePack.objects.get(
        title="Adult Social Care Performance Quarter Four Report 2024/25"
    )
    for label, sections in (
        ("demo pack (cover + performance report)", pack.sections),
        ("every section", list(PackSection.values)),
    ):
        pack.sections = sections
        seconds, content = timed(lambda: pack_content_build(pack=pack), args.runs)
        print(f"{label}: content {seconds:.2f} s")
        for export_format in ("pdf", "docx", "xlsx"):
            seconds, data = timed(
                lambda f=export_format, c=content: render_pack(content=c, export_format=f),
                args.runs,
            )
            extra = ""
            if export_format == "pdf":
                extra = f", {len(PdfReader(io.BytesIO(data)).pages)} pages"
            print(f"  {export_format}: {seconds:.2f} s, {len(data) / 1024:.0f} KB{extra}")


if __name__ == "__main__":
    main()
