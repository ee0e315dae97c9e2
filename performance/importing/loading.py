"""Loading checked measure values into PostgreSQL set-wise: the write step of an import.

`observations_load` is the one entry point. It is given rows already checked and compared
(new values, and revised values with the id of the value they replace) and writes them in the
caller's transaction:

1. The rows are COPYed into temporary staging tables (not WAL-logged, dropped at commit).
2. The parents are checked once per distinct key rather than once per row: the measures,
   areas and import batches the rows name are locked `FOR KEY SHARE` (what PostgreSQL's own
   foreign-key check does for every row) so none can be deleted before the commit; a missing
   one refuses the import, naming the rows that use it.
3. New values go in with one `INSERT … SELECT`; revised ones with one statement that records
   each old value as an `ObservationRevision` (read from the row being replaced, locked) and
   updates the value. A value another writer stored meanwhile refuses the import, naming the
   rows, rather than failing with a database error.

Because step 2 already holds what the per-row foreign-key triggers would check, the writes run
with those triggers off (`session_replication_role = replica`, for this transaction's writes
only) when the database role may set it (a superuser, or on PostgreSQL 15+ a role granted
`SET` on that parameter). Otherwise the triggers run as usual: the same result, more slowly.
Anything that goes wrong rolls back to before the load, and the caller's transaction decides
the rest: nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from bury_hc.imports import ImportProblem, ImportRefused

COPY_ROWS = 50_000  # rows per COPY statement: bounds the memory the text of a COPY takes
PROBLEM_ROWS = 50  # rows named when a parent is missing or a value was stored meanwhile

# (row, measure id, area id, period type, period start, period end, value, note,
#  numerator, denominator, lower CI, upper CI); dates as date or ISO text, numbers as text.
NewRow = tuple
# (row, observation id, period end, value, note, numerator, denominator, lower CI, upper CI)
RevisedRow = tuple

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEW_STAGE = """
    CREATE TEMPORARY TABLE pg_temp.observation_stage_new (
        file_row integer NOT NULL, measure_id bigint NOT NULL, area_id bigint NOT NULL,
        period_type varchar(20) NOT NULL, period_start date NOT NULL, period_end date NOT NULL,
        value numeric(20, 6), value_note varchar(255) NOT NULL, numerator numeric(20, 6),
        denominator numeric(20, 6), lower_ci numeric(20, 6), upper_ci numeric(20, 6)
    ) ON COMMIT DROP
"""
_REVISED_STAGE = """
    CREATE TEMPORARY TABLE pg_temp.observation_stage_revised (
        file_row integer NOT NULL, observation_id bigint NOT NULL, period_end date NOT NULL,
        value numeric(20, 6), value_note varchar(255) NOT NULL, numerator numeric(20, 6),
        denominator numeric(20, 6), lower_ci numeric(20, 6), upper_ci numeric(20, 6)
    ) ON COMMIT DROP
"""


@dataclass(frozen=True)
class LoadResult:
    created: int
    revised: int
    row_triggers_skipped: bool  # the per-row foreign-key triggers were replaced by step 2


def observations_load(
    *,
    batch_id: int,
    new: Iterable[NewRow],
    revised: Iterable[RevisedRow],
    revised_at: dt.datetime,
    progress: Callable[[int], None] | None = None,
    skip_row_triggers: bool | None = None,
) -> LoadResult:
    """Write new and revised values under import batch `batch_id` (PostgreSQL only; call inside
    a transaction). Raises ImportRefused, naming rows, when a measure, area or batch no longer
    exists or a value was stored by someone else meanwhile; nothing is written then.
    `skip_row_triggers` (default: whenever the role may) is for tests of both ways."""
    if connection.vendor != "postgresql":
        raise RuntimeError("observations_load is for PostgreSQL; use the ORM elsewhere.")
    if not connection.in_atomic_block:
        raise RuntimeError("observations_load must run inside a transaction.")
    if skip_row_triggers is None:
        skip_row_triggers = row_triggers_skippable()
    done = 0

    def staged(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS pg_temp.observation_stage_new, pg_temp.observation_stage_revised"
        )
        cursor.execute(_NEW_STAGE)
        cursor.execute(_REVISED_STAGE)
        measures, areas, _ = _stage(
            cursor, "pg_temp.observation_stage_new", _new_lines(new), staged
        )
        *_, to_revise = _stage(
            cursor, "pg_temp.observation_stage_revised", _revised_lines(revised), staged
        )
        _parents_lock(cursor, measures=measures, areas=areas, batch_id=batch_id)
        # SET LOCAL inside this savepoint: if anything below fails, rolling the savepoint back
        # puts the triggers back on as well.
        if skip_row_triggers:
            cursor.execute("SET LOCAL session_replication_role = replica")
        created = _insert_new(cursor, batch_id)
        revised_count = _update_revised(cursor, batch_id, revised_at, to_revise)
        if skip_row_triggers:
            cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(
            "DROP TABLE pg_temp.observation_stage_new, pg_temp.observation_stage_revised"
        )
    return LoadResult(
        created=created, revised=revised_count, row_triggers_skipped=skip_row_triggers
    )


def row_triggers_skippable() -> bool:
    """Whether this role may turn the per-row foreign-key triggers off for its own writes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            return True
        if connection.pg_version < 150000:
            return False
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


# --- Staging ---------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "\\N" if value is None else str(value)


def _new_lines(rows: Iterable[NewRow]) -> Iterator[tuple[str, int, int]]:
    """COPY text for new rows, with each row's measure and area (to check them once each)."""
    for row, measure, area, ptype, start, end, value, note, num, den, low, up in rows:
        yield (
            f"{row}\t{measure}\t{area}\t{ptype}\t{start}\t{end}\t{_text(value)}\t"
            f"{note.translate(_ESCAPES) if note else ''}\t{_text(num)}\t{_text(den)}\t"
            f"{_text(low)}\t{_text(up)}\n",
            measure,
            area,
        )


def _revised_lines(rows: Iterable[RevisedRow]) -> Iterator[tuple[str, int, int]]:
    for row, observation_id, end, value, note, num, den, low, up in rows:
        yield (
            f"{row}\t{observation_id}\t{end}\t{_text(value)}\t"
            f"{note.translate(_ESCAPES) if note else ''}\t{_text(num)}\t{_text(den)}\t"
            f"{_text(low)}\t{_text(up)}\n",
            0,
            0,
        )


def _stage(
    cursor, table: str, lines: Iterator[tuple[str, int, int]], staged: Callable[[int], None]
) -> tuple[set[int], set[int], int]:
    """COPY the lines into `table`, a chunk at a time; returns the distinct measures and areas,
    and how many rows."""
    measures: set[int] = set()
    areas: set[int] = set()
    chunk: list[str] = []
    count = 0
    sql = f"COPY {table} FROM STDIN"
    for text, measure, area in lines:
        chunk.append(text)
        measures.add(measure)
        areas.add(area)
        if len(chunk) == COPY_ROWS:
            cursor.cursor.copy_expert(sql, io.StringIO("".join(chunk)))
            count += len(chunk)
            staged(len(chunk))
            chunk.clear()
    if chunk:
        cursor.cursor.copy_expert(sql, io.StringIO("".join(chunk)))
        count += len(chunk)
        staged(len(chunk))
    measures.discard(0)
    areas.discard(0)
    return measures, areas, count


# --- Parents, checked once per distinct key --------------------------------------------------

_PARENTS = (
    # (the stage column naming it, table, how a problem names the column, what to say)
    ("measure_id", "performance_measure", "measure", "measure"),
    ("area_id", "performance_area", "area", "area"),
)


def _parents_lock(cursor, *, measures: set[int], areas: set[int], batch_id: int) -> None:
    """Lock every measure, area and batch the rows name (FOR KEY SHARE, as a foreign-key check
    does), so that none can be deleted before the commit; refuse the rows whose are missing."""
    problems: list[ImportProblem] = []
    cursor.execute("SELECT id FROM bury_hc_importbatch WHERE id = %s FOR KEY SHARE", [batch_id])
    if cursor.fetchone() is None:
        problems.append(
            ImportProblem(None, None, "The import's record was deleted meanwhile: try again.")
        )
    # The batches of the values being replaced stay referenced by their revisions.
    cursor.execute(
        "SELECT DISTINCT o.batch_id FROM performance_observation o "
        "JOIN pg_temp.observation_stage_revised s ON s.observation_id = o.id"
    )
    previous = [batch for (batch,) in cursor.fetchall()]
    if previous:
        cursor.execute(
            "SELECT id FROM bury_hc_importbatch WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",
            [previous],
        )
    for (column, table, problem_column, what), wanted in zip(
        _PARENTS, (measures, areas), strict=True
    ):
        if not wanted:
            continue
        cursor.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",  # noqa: S608
            [sorted(wanted)],
        )
        missing = wanted - {found for (found,) in cursor.fetchall()}
        if missing:
            cursor.execute(
                f"SELECT file_row FROM pg_temp.observation_stage_new WHERE {column} = ANY(%s) "  # noqa: S608
                "ORDER BY file_row LIMIT %s",
                [sorted(missing), PROBLEM_ROWS],
            )
            problems.extend(
                ImportProblem(
                    row,
                    problem_column,
                    f"This {what} was deleted while the file was being imported: check the "
                    "file again.",
                )
                for (row,) in cursor.fetchall()
            )
    if problems:
        raise ImportRefused(problems)


# --- Writing ---------------------------------------------------------------------------------


def _insert_new(cursor, batch_id: int) -> int:
    """INSERT the staged new values; a value stored meanwhile refuses the import."""
    try:
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO performance_observation (measure_id, area_id, period_type, "
                "period_start, period_end, value, value_note, numerator, denominator, "
                "lower_ci, upper_ci, batch_id) "
                "SELECT measure_id, area_id, period_type, period_start, period_end, value, "
                "value_note, numerator, denominator, lower_ci, upper_ci, %s "
                "FROM pg_temp.observation_stage_new",
                [batch_id],
            )
            return cursor.rowcount
    except IntegrityError:
        pass
    cursor.execute(
        "SELECT s.file_row FROM pg_temp.observation_stage_new s JOIN performance_observation o "
        "USING (measure_id, area_id, period_type, period_start) ORDER BY s.file_row LIMIT %s",
        [PROBLEM_ROWS],
    )
    raise ImportRefused(
        [
            ImportProblem(
                row,
                None,
                "A value for this measure, area and period was stored by someone else while "
                "the file was being imported: check the file again.",
            )
            for (row,) in cursor.fetchall()
        ]
        or [ImportProblem(None, None, "The values could not be stored: check the file again.")]
    )


def _update_revised(cursor, batch_id: int, revised_at: dt.datetime, staged: int) -> int:
    """Keep each replaced value as a revision (read from the locked row), then replace it."""
    cursor.execute(
        """
        WITH old AS (
            SELECT o.id, o.value, o.value_note, o.numerator, o.denominator, o.lower_ci,
                o.upper_ci, o.batch_id
            FROM performance_observation o
            JOIN pg_temp.observation_stage_revised s ON s.observation_id = o.id
            FOR UPDATE OF o
        ), updated AS (
            UPDATE performance_observation o
            SET period_end = s.period_end, value = s.value, value_note = s.value_note,
                numerator = s.numerator, denominator = s.denominator,
                lower_ci = s.lower_ci, upper_ci = s.upper_ci,
                batch_id = %(batch)s, revised_at = %(at)s
            FROM pg_temp.observation_stage_revised s, old
            WHERE o.id = s.observation_id AND old.id = o.id
            RETURNING o.id
        )
        INSERT INTO performance_observationrevision (observation_id, batch_id,
            previous_value, previous_value_note, previous_numerator, previous_denominator,
            previous_lower_ci, previous_upper_ci, previous_batch_id, revised_at)
        SELECT old.id, %(batch)s, old.value, old.value_note, old.numerator, old.denominator,
            old.lower_ci, old.upper_ci, old.batch_id, %(at)s
        FROM old JOIN updated USING (id)
        """,
        {"batch": batch_id, "at": revised_at},
    )
    revised = cursor.rowcount
    if revised != staged:
        cursor.execute(
            "SELECT s.file_row FROM pg_temp.observation_stage_revised s "
            "LEFT JOIN performance_observation o ON o.id = s.observation_id "
            "WHERE o.id IS NULL ORDER BY s.file_row LIMIT %s",
            [PROBLEM_ROWS],
        )
        raise ImportRefused(
            [
                ImportProblem(
                    row,
                    None,
                    "The value this row revises was deleted while the file was being imported: "
                    "check the file again.",
                )
                for (row,) in cursor.fetchall()
            ]
        )
    return revised
