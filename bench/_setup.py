"""Shared set-up for the benchmarks: a PostgreSQL database of their own, and synthetic data.

The benchmarks run against PostgreSQL (as production does), in a database named by
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bury_hc_bench), which they
create, migrate and fill. Nothing here is used by the application or its tests.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bury_hc_bench"
)
ENV = {
    "DATABASE_URL": BENCH_DATABASE_URL,
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnop",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "bury_hc.settings",
    "LOG_LEVEL": "WARNING",
}


def django_setup() -> None:
    """Point Django at the benchmark database (created and migrated if needed)."""
    os.environ.update(ENV)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
        capture_output=True,
        check=False,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def signed_in(username: str, role) -> tuple[str, str]:
    """A session for a user (created if need be) holding `role`: the cookie's name and value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role.value))
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return settings.SESSION_COOKIE_NAME, session.session_key


def gunicorn(port: int, workers: int, *, timeout: int = 30) -> subprocess.Popen:
    """gunicorn serving the application on 127.0.0.1:`port` (loopback only)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "bury_hc.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
    )


def months(count: int, first: dt.date = dt.date(2016, 4, 1)) -> list[tuple[dt.date, dt.date]]:
    from bury_hc.periods import Month

    start = Month.from_date(first)
    return [(start.shift(i).start, start.shift(i).end) for i in range(count)]


def synthetic_world(*, councils: int, measures: int, highlight: bool = False):
    """Bury plus `councils - 1` other councils, GM and NW comparator groups, and measures."""
    from performance.models import Area, ComparatorGroup, Measure

    bury, _ = Area.objects.get_or_create(
        ons_code="E08000002", defaults={"name": "Bury", "kind": "local_authority"}
    )
    others = []
    for i in range(councils - 1):
        area, _ = Area.objects.get_or_create(
            ons_code=f"E0{9000000 + i:07d}",
            defaults={"name": f"Council {i:03d}", "kind": "local_authority"},
        )
        others.append(area)
    gm, _ = ComparatorGroup.objects.get_or_create(
        slug="greater-manchester",
        defaults={"name": "Greater Manchester", "short_name": "GM", "order": 1},
    )
    gm.members.set([bury, *others[:9]])
    nw, _ = ComparatorGroup.objects.get_or_create(
        slug="north-west", defaults={"name": "North West", "short_name": "NW", "order": 2}
    )
    nw.members.set([bury, *others[:23]])
    measure_rows = []
    for i in range(measures):
        measure, _ = Measure.objects.update_or_create(
            code=f"BENCH-{i:03d}",
            defaults={
                "name": f"Benchmark measure {i:03d}",
                "polarity": ("higher", "lower", "none")[i % 3],
                "frequency": "monthly",
                "unit": "count",
                "in_highlight_report": highlight,
                "highlight_order": i,
            },
        )
        measure_rows.append(measure)
    return bury, [bury, *others], measure_rows


def copy_observations(*, areas, measures, periods, batch) -> int:
    """Fill performance_observation with COPY (fast set-up, not what is measured)."""
    from django.db import connection

    buffer = io.StringIO()
    count = 0
    for m_index, measure in enumerate(measures):
        for a_index, area in enumerate(areas):
            for p_index, (start, end) in enumerate(periods):
                value = 100 + (m_index * 7 + a_index * 13 + p_index * 3) % 97
                buffer.write(
                    f"{measure.id}\t{area.id}\tmonth\t{start}\t{end}\t{value}\t\t{batch.id}\n"
                )
                count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_from(
            buffer,
            "performance_observation",
            columns=(
                "measure_id",
                "area_id",
                "period_type",
                "period_start",
                "period_end",
                "value",
                "value_note",
                "batch_id",
            ),
        )
    return count


def reset_measure_data() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE performance_dashboardsnapshot, performance_observationrevision, "
            "performance_observation CASCADE"
        )


def bench_batch():
    from bury_hc.models import ImportBatch

    batch, _ = ImportBatch.objects.get_or_create(
        sha256="b" * 64,
        defaults={
            "kind": "observations",
            "file_name": "synthetic",
            "file_format": "bench",
            "source": "Synthetic benchmark data",
        },
    )
    return batch
