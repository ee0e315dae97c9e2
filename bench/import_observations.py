"""Benchmark: importing a big long-format file through the real import service, against
PostgreSQL's own COPY of the same rows into a bare table.

    .venv/bin/python bench/import_observations.py [--rows 1000000] [--councils 150]
                                                  [--measures 60] [--keep-file]

It writes a file in the application's long template (councils × measures × months, about
110 months for a million rows) to a temporary folder, imports it with
`performance.services.observations_import` (the code path of `manage.py import_observations`,
dry run off: read, check as a whole, compare with what is held, write, in one transaction;
the dashboard rebuild that follows an import is a separate Celery task, not timed here: see
bench/rebuild_snapshots.py),
imports it again (everything unchanged), and COPYs the same file into a bare table of text
and numeric columns. It reports rows per second, the ratio to COPY, and the peak memory of
the process (getrusage maxrss). The database is BENCH_IMPORT_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/bury_hc_bench_import), created and migrated if needed and
emptied of measure values before each run. Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bury_hc_bench_import"
    ),
)

from _setup import bench_batch, django_setup, reset_measure_data

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def world(councils: int, measures: int) -> tuple[list[str], list[str]]:
    from performance.models import Area, Measure

    areas = [f"E0{9100000 + i:07d}" for i in range(councils)]
    Area.objects.bulk_create(
        [Area(ons_code=code, name=f"Council {code}", kind="local_authority") for code in areas],
        ignore_conflicts=True,
    )
    codes = [f"IMP-{i:03d}" for i in range(measures)]
    Measure.objects.bulk_create(
        [
            Measure(code=code, name=f"Import benchmark measure {code}", polarity="higher",
                    frequency="monthly", unit="count")
            for code in codes
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    return areas, codes


def file_write(path: Path, *, areas: list[str], measures: list[str], rows: int) -> int:
    months = -(-rows // (len(areas) * len(measures)))
    labels = [f"{MONTHS[(3 + i) % 12]}-{(16 + (3 + i) // 12) % 100:02d}" for i in range(months)]
    written = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["measure_code", "area_code", "period", "value", "value_note"])
        for m_index, measure in enumerate(measures):
            for a_index, area in enumerate(areas):
                for p_index, label in enumerate(labels):
                    if written == rows:
                        return written
                    value = f"{(m_index * 7 + a_index * 13 + p_index * 3) % 997}.{p_index % 10}"
                    writer.writerow([measure, area, label, value, ""])
                    written += 1
    return written


def copy_file_for_table(path: Path, batch_id: int) -> Path:
    """The same rows as the table holds them (ids, dates, the batch): what a COPY into
    `performance_observation` takes. Not timed."""
    from bury_hc.periods import parse_period
    from performance.models import Area, Measure

    measure_ids = dict(Measure.objects.values_list("code", "id"))
    area_ids = dict(Area.objects.values_list("ons_code", "id"))
    periods: dict[str, str] = {}
    target = path.with_suffix(".tsv")
    with path.open(newline="") as source, target.open("w") as handle:
        reader = csv.reader(source)
        next(reader)
        for measure, area, label, value, note in reader:
            period = periods.get(label)
            if period is None:
                parsed = parse_period(label)
                period = periods[label] = f"{parsed.type.value}\t{parsed.start}\t{parsed.end}"
            handle.write(
                f"{measure_ids[measure]}\t{area_ids[area]}\t{period}\t{value}\t{note}\t{batch_id}\n"
            )
    return target


def copy_same_table(path: Path) -> Timed:
    """COPY the same rows into the empty `performance_observation` table, with all its indexes
    and constraints (the deferred foreign-key checks run at the commit, which is timed). The
    table is emptied again afterwards."""
    from django.db import connection, transaction

    rows = copy_file_for_table(path, bench_batch().id)
    reset_measure_data()
    timed = Timed()
    columns = (
        "measure_id, area_id, period_type, period_start, period_end, value, value_note, batch_id"
    )
    with timed, transaction.atomic(), connection.cursor() as cursor, rows.open() as handle:
        cursor.cursor.copy_expert(f"COPY performance_observation ({columns}) FROM STDIN", handle)
    rows.unlink()
    reset_measure_data()
    return timed


def copy_bare(path: Path) -> Timed:
    """COPY the same file into a bare table (no keys, no indexes), autocommitted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_copy")
        cursor.execute(
            "CREATE TABLE bench_import_copy (measure_code text, area_code text, period text, "
            "value numeric(20, 6), value_note text)"
        )
        with Timed() as timed, path.open() as handle:
            cursor.cursor.copy_expert(
                "COPY bench_import_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle
            )
        cursor.execute("DROP TABLE bench_import_copy")
    return timed


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine), if the
    process can be read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Timed:
    """Wall-clock seconds of a step, and the CPU seconds of this process and of its database
    backend in it (what the step would take with both to themselves, waits aside)."""

    def __enter__(self) -> Timed:
        self.backend_before = backend_cpu()
        self.cpu_before = time.process_time()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu_before
        after = backend_cpu()
        before = self.backend_before
        self.backend = None if after is None or before is None else after - before

    def row(self, name: str, rows: int) -> str:
        cpu = f"{self.cpu:.1f}" if self.cpu >= 0.05 else "0"
        backend = "n/a" if self.backend is None else f"{self.backend:.1f}"
        return f"| {name} | {self.seconds:.1f} | {rows / self.seconds:,.0f} | {cpu} | {backend} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--councils", type=int, default=150)
    parser.add_argument("--measures", type=int, default=60)
    parser.add_argument("--keep-file", action="store_true")
    parser.add_argument(
        "--row-triggers",
        action="store_true",
        help="load with PostgreSQL's per-row foreign-key checks, as a role that may not set "
        "session_replication_role does",
    )
    options = parser.parse_args()

    django_setup()
    from performance.importing import loading
    from performance.services import observations_import

    if options.row_triggers:
        loading.row_triggers_skippable = lambda: False  # what such a role finds
    reset_measure_data()
    areas, measures = world(options.councils, options.measures)
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = folder / "observations.csv"
    rows = file_write(path, areas=areas, measures=measures, rows=options.rows)
    size_mb = path.stat().st_size / 1e6
    same_table = copy_same_table(path)
    baseline = peak_mb()

    with Timed() as first:
        outcome = observations_import(
            file_name=path.name, path=path, source="Benchmark", rebuild_snapshots=False
        )
    after_first = peak_mb()
    assert outcome.plan.new == rows, outcome.summary
    del outcome

    with Timed() as second:
        again = observations_import(
            file_name=path.name, path=path, source="Benchmark", rebuild_snapshots=False
        )
    assert again.plan.unchanged == rows
    del again

    bare = copy_bare(path)
    if not options.keep_file:
        path.unlink()
        folder.rmdir()

    print(
        f"Rows: {rows:,} ({options.measures} measures × {options.councils} councils × "
        f"{-(-rows // (options.councils * options.measures))} months), file {size_mb:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f}"
        + ("; per-row foreign-key triggers on" if options.row_triggers else "")
    )
    print("| step | seconds | rows per second | CPU s (Python) | CPU s (PostgreSQL) |")
    print("|---|---:|---:|---:|---:|")
    print(first.row("import (all values new)", rows))
    print(second.row("import the same file again (all unchanged)", rows))
    print(same_table.row("PostgreSQL `COPY` into `performance_observation` (same table)", rows))
    print(bare.row("PostgreSQL `COPY` into a bare table", rows))
    print(
        "Import speed / speed of COPY into the same table: "
        f"{same_table.seconds / first.seconds:.2f}"
    )
    print(f"Import speed / speed of COPY into a bare table: {bare.seconds / first.seconds:.2f}")
    print(
        f"Peak memory (maxrss): {after_first:,.0f} MB after the first import, "
        f"{peak_mb():,.0f} MB at the end (before the imports: {baseline:,.0f} MB)"
    )


if __name__ == "__main__":
    main()
