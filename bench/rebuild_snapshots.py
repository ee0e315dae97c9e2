"""Benchmark: how the snapshot rebuild grows with the number of stored values, and what a
one-quarter import costs compared with a full rebuild.

    .venv/bin/python bench/rebuild_snapshots.py [--councils 150] [--measures 60]
                                                [--months 27,54,108]

For each number of months it fills the benchmark database (COPY; not timed) with
councils × measures × months monthly values and times `snapshots_rebuild()` over everything.
It then adds one more quarter of values (3 months) and times the rebuild of only the scope
`snapshot_scope_for_batch` gives for that batch. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import resource
import time

from _setup import (
    bench_batch,
    copy_observations,
    django_setup,
    months,
    reset_measure_data,
    synthetic_world,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--councils", type=int, default=150)
    parser.add_argument("--measures", type=int, default=60)
    parser.add_argument("--months", default="27,54,108")
    args = parser.parse_args()
    django_setup()
    from bury_hc.models import ImportBatch
    from performance.models import DashboardSnapshot
    from performance.snapshots import snapshot_scope_for_batch, snapshots_rebuild

    _, areas, measures = synthetic_world(councils=args.councils, measures=args.measures)
    batch = bench_batch()
    print(
        "| values stored | full rebuild (s) | µs per value | snapshots | one new quarter: "
        "snapshots rebuilt | one new quarter (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for month_count in (int(m) for m in args.months.split(",")):
        reset_measure_data()
        periods = months(month_count)
        rows = copy_observations(areas=areas, measures=measures, periods=periods, batch=batch)
        started = time.perf_counter()
        snapshots_rebuild()
        full = time.perf_counter() - started
        snapshots = DashboardSnapshot.objects.count()

        extra = months(month_count + 3)[month_count:]
        new_batch, _ = ImportBatch.objects.get_or_create(
            sha256=f"{month_count:064d}",
            defaults={
                "kind": "observations",
                "file_name": "next-quarter",
                "file_format": "bench",
                "source": "Synthetic",
            },
        )
        copy_observations(areas=areas, measures=measures, periods=extra, batch=new_batch)
        started = time.perf_counter()
        measure_ids, quarters = snapshot_scope_for_batch(batch_id=new_batch.id)
        rebuilt = snapshots_rebuild(measure_ids=measure_ids, quarters=quarters)
        incremental = time.perf_counter() - started
        print(
            f"| {rows:,} | {full:.1f} | {full / rows * 1e6:.1f} | {snapshots:,} | "
            f"{rebuilt:,} ({len(quarters)} quarter{'s' if len(quarters) != 1 else ''}) | "
            f"{incremental:.2f} |"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak resident memory of the benchmark process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
