"""Comparing a checked import with the values already held, and writing it.

The comparison loads the values already held for the file's measures, areas and periods in one
query, streamed; every value is then new, revised (the old one is kept as an
`ObservationRevision`) or unchanged (left alone, still pointing at the import it came from).
Writing is in chunks: on PostgreSQL new values go in with COPY, elsewhere with bulk_create;
revised ones with bulk_update.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from bury_hc.models import ImportBatch
from bury_hc.periods import Quarter
from performance.importing.checking import CheckResult, Key
from performance.importing.loading import observations_load
from performance.models import Observation, ObservationRevision

CHUNK = 20_000
SAMPLES = 10
EXTRA_FIELDS = ("numerator", "denominator", "lower_ci", "upper_ci")


@dataclass
class ImportPlan:
    """What an import would change: counts, samples, and (not shown) the rows to write."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    new_keys: list[Key] = field(default_factory=list)
    changes: list[tuple[int, Key, tuple]] = field(default_factory=list)  # id, key, old values
    samples: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: {"new": [], "revised": [], "unchanged": []}
    )
    measure_ids: set[int] = field(default_factory=set)  # of new and revised values
    quarters: set[Quarter] = field(default_factory=set)
    # Revisions the analyst should look at before confirming (see _revision_review).
    large_changes: int = 0  # by more than LARGE_CHANGE of the old value
    blanked: int = 0  # a value replaced by none
    outranked: int = 0  # a value from a higher-ranked source, revised by a lower-ranked one
    unit_mismatched: int = 0  # values the file gives in another unit than their measure's
    review_samples: list[dict[str, str]] = field(default_factory=list)

    @property
    def needs_explicit_confirmation(self) -> bool:
        """Whether the import blanks values, overrides a higher-ranked source's values, or
        gives values in another unit than their measure's."""
        return bool(self.blanked or self.outranked or self.unit_mismatched)

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.revised)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def plan_build(
    check: CheckResult,
    *,
    measure_ids: dict[int, int] | None = None,
    area_ids: dict[int, int] | None = None,
    file_format: str = "",
) -> ImportPlan:
    """Compare the checked values with those held. `measure_ids` and `area_ids` translate the
    check's provisional ids (negative for measures and areas still to be created) into real
    ones; without them, values for new measures and areas are simply new. One query."""
    measure_ids = measure_ids or {}
    area_ids = area_ids or {}
    plan = ImportPlan(unit_mismatched=sum(m["rows"] for m in check.unit_mismatches))
    values = check.values
    if not values:
        return plan
    real_measure = {k: measure_ids.get(k, k) for k in check.measure_codes}
    real_area = {k: area_ids.get(k, k) for k in check.area_codes}
    back_measure = {real: k for k, real in real_measure.items()}
    back_area = {real: k for k, real in real_area.items()}
    period_of = {(p.type.value, p.start): index for index, p in enumerate(check.periods)}
    held_measures = [real_measure[m] for m in {key[0] for key in values} if real_measure[m] > 0]
    held_areas = [real_area[a] for a in {key[1] for key in values} if real_area[a] > 0]
    starts = sorted({p.start for p in check.periods})
    if connection.vendor == "postgresql":
        matched = _held_compare_copy(
            check, plan, back_measure, back_area, (held_measures, held_areas, starts)
        )
    else:
        matched = []
        existing = (
            Observation.objects.filter(
                measure_id__in=held_measures, area_id__in=held_areas, period_start__in=starts
            )
            .values_list(*_HELD_FIELDS)
            .iterator(chunk_size=5000)
        )
        for old in existing:
            pidx = period_of.get((old[3], old[4]))
            if pidx is None:
                continue
            key = (back_measure[old[1]], back_area[old[2]], pidx)
            new = values.get(key)
            if new is not None:
                matched.append(key)
                _compare(plan, check, key, new, old)
    _new_keys_find(check, plan, matched)
    _touched_find(check, plan, real_measure)
    _rank_review(plan, check, file_format)
    return plan


_HELD_FIELDS = (
    "id",
    "measure_id",
    "area_id",
    "period_type",
    "period_start",
    "period_end",
    "value",
    "value_note",
    *EXTRA_FIELDS,
    "batch_id",
)


def _compare(plan: ImportPlan, check: CheckResult, key: Key, new: tuple, old: tuple) -> None:
    """Count a checked value against the one held (`old`, the fields of _HELD_FIELDS)."""
    if _unchanged(new, old, check.periods[key[2]].end):
        plan.unchanged += 1
        if len(plan.samples["unchanged"]) < SAMPLES:
            plan.samples["unchanged"].append(_describe(check, key, new))
        return
    plan.revised += 1
    plan.changes.append((old[0], key, old))
    _revision_review(plan, check, key, new, old)
    if len(plan.samples["revised"]) < SAMPLES:
        plan.samples["revised"].append(
            {**_describe(check, key, new), "old": _text(old[6]), "old_note": old[7]}
        )


# The values held, as PostgreSQL's COPY writes them: text, tab-separated, NULL as \\N. The
# value has its trailing zeros trimmed (12.300000 → 12.3), so that a value the file gives as it
# was stored compares as text, without turning either into a number; the period is its type
# and start, and dates are days since _EPOCH (whatever the server's DateStyle).
_EPOCH = dt.date(2000, 1, 1)
_HELD_COPY = """
    COPY (
        SELECT measure_id, area_id, concat(period_type, ' ', period_start - DATE '2000-01-01'),
            trim_scale(value), value_note, period_end - DATE '2000-01-01',
            numerator, denominator, lower_ci, upper_ci, id, batch_id
        FROM performance_observation
        WHERE measure_id = ANY(%s) AND area_id = ANY(%s) AND period_start = ANY(%s)
    ) TO STDOUT
"""
_COPY_UNESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(.)")


def _copy_text(text: str) -> str | None:
    """A field of COPY's text format as the text it stands for."""
    if text == "\\N":
        return None
    if "\\" not in text:
        return text
    return _COPY_ESCAPE.sub(lambda m: _COPY_UNESCAPES.get(m[1], m[1]), text)


def _copy_decimal(text: str) -> Decimal | None:
    return None if text == "\\N" else Decimal(text)


class _HeldValues(io.TextIOBase):
    """Compares each held value, as COPY writes it (one line per call), with the file's.

    A value whose text, note, period end and extras are those of the file is unchanged without
    more ado (most of a file imported again); any other is read into numbers and dates and
    compared as the ORM path compares it (`_compare`)."""

    def __init__(
        self,
        check: CheckResult,
        plan: ImportPlan,
        back_measure: dict[int, int],
        back_area: dict[int, int],
    ) -> None:
        self.check, self.plan, self.values = check, plan, check.values
        self.measure_of = {str(real): k for real, k in back_measure.items()}
        self.area_of = {str(real): k for real, k in back_area.items()}
        self.period_of = {
            f"{p.type.value} {(p.start - _EPOCH).days}": index
            for index, p in enumerate(check.periods)
        }
        # What follows the note of a value with this period's end and no extras.
        self.plain_tail = [f"{(p.end - _EPOCH).days}\t\\N\t\\N\t\\N\t\\N\t" for p in check.periods]
        self.samples = plan.samples["unchanged"]
        self.matched: list[Key] = []
        self.unchanged = 0

    def write(self, line: str) -> int:  # type: ignore[override]
        measure, area, period, value, note, tail = line.split("\t", 5)
        pidx = self.period_of.get(period)
        if pidx is None:
            return len(line)
        key = (self.measure_of[measure], self.area_of[area], pidx)
        new = self.values.get(key)
        if new is None:
            return len(line)
        self.matched.append(key)
        if (
            (new[1] == value or _same_number_text(new[1], value))
            and (not new[2] or (new[2] == note and "\\" not in note))
            and len(new) == 3
            and tail.startswith(self.plain_tail[pidx])
        ):
            self.unchanged += 1
            if len(self.samples) < SAMPLES:
                self.samples.append(_describe(self.check, key, new))
            return len(line)
        end, *extras, id_, batch = tail[:-1].split("\t")
        ptype, start = period.split(" ")
        old = (
            int(id_),
            int(measure),
            int(area),
            ptype,
            _EPOCH + dt.timedelta(days=int(start)),
            _EPOCH + dt.timedelta(days=int(end)),
            _copy_decimal(value),
            _copy_text(note),
            *(_copy_decimal(extra) for extra in extras),
            int(batch),
        )
        _compare(self.plan, self.check, key, new, old)
        return len(line)


def _same_number_text(text: str | None, held: str) -> bool:
    """Whether the file's text of a value is the held one's (as COPY writes it, trailing zeros
    trimmed) once its own trailing zeros are trimmed: "12.30" and "12.3", "4.0" and "4"."""
    if text is None:
        return held == "\\N"
    return "." in text and text.rstrip("0").rstrip(".") == held


def _held_compare_copy(
    check: CheckResult,
    plan: ImportPlan,
    back_measure: dict[int, int],
    back_area: dict[int, int],
    scope: tuple[list[int], list[int], list[Any]],
) -> list[Key]:
    """Compare the checked values with those held (PostgreSQL): the held values are read with
    one COPY, as text, and compared as they arrive; returns the keys of the values held."""
    held = _HeldValues(check, plan, back_measure, back_area)
    with connection.cursor() as cursor:
        sql = cursor.mogrify(_HELD_COPY, scope).decode()
        cursor.cursor.copy_expert(sql, held)
    plan.unchanged += held.unchanged
    return held.matched


def _new_keys_find(check: CheckResult, plan: ImportPlan, matched: list[Key]) -> None:
    """The values not held yet (in a file of a million rows, all or none of them, usually)."""
    values = check.values
    if not matched:
        plan.new_keys = list(values)
    elif len(matched) < len(values):
        held = set(matched)
        plan.new_keys = [key for key in values if key not in held]
    plan.new = len(plan.new_keys)
    plan.samples["new"] = [_describe(check, key, values[key]) for key in plan.new_keys[:SAMPLES]]


def _touched_find(check: CheckResult, plan: ImportPlan, real_measure: dict[int, int]) -> None:
    """The measures and quarters of the new and revised values (what the rebuild covers)."""
    measures = {key[0] for key in plan.new_keys} | {change[1][0] for change in plan.changes}
    plan.measure_ids = {real_measure[measure] for measure in measures}
    periods = {key[2] for key in plan.new_keys} | {change[1][2] for change in plan.changes}
    plan.quarters = {check.periods[pidx].quarter for pidx in periods}


LARGE_CHANGE = Decimal("0.5")
# How far a source is trusted, by the format its file came in: a publisher's own release first,
# then OHID's Fingertips, then tables prepared here. A lower-ranked file revising a value from
# a higher-ranked one needs the analyst's explicit tick.
SOURCE_RANKS = {"ascof": 3, "fingertips": 2, "template": 1, "mapped": 1}


def source_rank(file_format: str) -> int:
    return SOURCE_RANKS.get(file_format, 1)


def _revision_review(
    plan: ImportPlan, check: CheckResult, key: Key, new: tuple, old: tuple
) -> None:
    """Count a revision that blanks a value or moves it by more than half (keeping samples)."""
    before, after = old[6], _decimal(new[1])
    if before is None or before == after:
        return
    reason = ""
    if after is None:
        plan.blanked += 1
        reason = "blanks the value"
    elif before == 0 or abs(after - before) > LARGE_CHANGE * abs(before):
        plan.large_changes += 1
        reason = "changes the value by more than half"
    if reason and len(plan.review_samples) < SAMPLES:
        plan.review_samples.append(
            {**_describe(check, key, new), "old": _text(before), "reason": reason}
        )


def _rank_review(plan: ImportPlan, check: CheckResult, file_format: str) -> None:
    """Count the revisions of values that came from a source ranked above this file's."""
    if not file_format or not plan.changes:
        return
    rank = source_rank(file_format)
    batch_ids = {old[12] for _, _, old in plan.changes}
    higher = {
        batch_id
        for batch_id, old_format in ImportBatch.objects.filter(id__in=batch_ids).values_list(
            "id", "file_format"
        )
        if source_rank(old_format) > rank
    }
    for _, key, old in plan.changes:
        if old[12] in higher:
            plan.outranked += 1
            if len(plan.review_samples) < SAMPLES:
                new = check.values[key]
                plan.review_samples.append(
                    {
                        **_describe(check, key, new),
                        "old": _text(old[6]),
                        "reason": "revises a value from a higher-ranked source",
                    }
                )


def _unchanged(new: tuple, old: tuple, period_end: Any) -> bool:
    """Whether a checked value (with its note and extras) is the one held."""
    if len(new) > 3:
        same_extras = all(_decimal(e) == o for e, o in zip(new[3:], old[8:12], strict=True))
    else:
        same_extras = old[8] is None and old[9] is None and old[10] is None and old[11] is None
    same_note = new[2] == old[7] or not new[2]  # a value given again without its note keeps it
    return _decimal(new[1]) == old[6] and same_note and same_extras and period_end == old[5]


def _describe(check: CheckResult, key: Key, new: tuple) -> dict[str, str]:
    measure = check.measure_codes[key[0]]
    area = check.area_codes[key[1]]
    return {
        "row": str(new[0]),
        "measure": measure,
        "measure_name": check.measure_names.get(measure, measure),
        "area": check.area_names.get(area, area),
        "period": check.periods[key[2]].label,
        "value": new[1] if new[1] is not None else "",
        "note": new[2],
    }


def plan_summary(check: CheckResult, plan: ImportPlan) -> dict[str, Any]:
    """The plan as the pages and the command show it (JSON-serialisable)."""
    registering = sorted(check.areas_to_register.values(), key=lambda a: a.ons_code)
    return {
        "rows_read": check.rows_read,
        "values": len(check.values),
        "new": plan.new,
        "revised": plan.revised,
        "unchanged": plan.unchanged,
        "skipped": [
            {"reason": reason, "rows": count} for reason, count in check.skipped.most_common()
        ],
        "areas_to_register": [
            {"ons_code": a.ons_code, "name": a.name, "kind": a.kind} for a in registering[:100]
        ],
        "areas_to_register_count": len(registering),
        "measures_to_create": sorted(check.measures_to_create),
        "warnings": check.warnings[:50],
        "samples": plan.samples,
        "large_changes": plan.large_changes,
        "blanked": plan.blanked,
        "outranked": plan.outranked,
        "unit_mismatched": plan.unit_mismatched,
        "unit_mismatches": check.unit_mismatches[:50],
        "needs_explicit_confirmation": plan.needs_explicit_confirmation,
        "review_samples": plan.review_samples,
        "sample_rows": check.sample_rows,
        "measures": len({key[0] for key in check.values}),
        "quarters": [q.code for q in sorted(plan.quarters)],
        "periods": [p.label for p in sorted(check.periods)[:3]]
        + (["…"] if len(check.periods) > 6 else [])
        + [p.label for p in sorted(check.periods)[3:][-3:]],
    }


# --- Writing ---------------------------------------------------------------------------------


def values_write(
    check: CheckResult,
    plan: ImportPlan,
    *,
    batch: ImportBatch,
    measure_ids: dict[int, int],
    area_ids: dict[int, int],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the plan's new and revised values under `batch`. Call inside a transaction. On
    PostgreSQL set-wise (`performance.importing.loading`), elsewhere with the ORM."""
    real_measure = {k: measure_ids.get(k, k) for k in check.measure_codes}
    real_area = {k: area_ids.get(k, k) for k in check.area_codes}
    if connection.vendor == "postgresql":
        observations_load(
            batch_id=batch.id,
            new=_rows_to_load(check, plan, real_measure, real_area),
            revised=_revisions_to_load(check, plan),
            revised_at=timezone.now(),
            progress=progress,
        )
        return
    done = 0
    for count in _bulk_create_new(check, plan, batch, real_measure, real_area):
        done += count
        if progress:
            progress(done)
    now = timezone.now()
    for start in range(0, len(plan.changes), CHUNK):
        chunk = plan.changes[start : start + CHUNK]
        observations, revisions = [], []
        for observation_id, key, old in chunk:
            new = check.values[key]
            extras = new[3:] if len(new) > 3 else (None, None, None, None)
            period = check.periods[key[2]]
            observations.append(
                Observation(
                    id=observation_id,
                    value=new[1],
                    value_note=new[2],
                    numerator=extras[0],
                    denominator=extras[1],
                    lower_ci=extras[2],
                    upper_ci=extras[3],
                    period_end=period.end,
                    batch=batch,
                    revised_at=now,
                )
            )
            revisions.append(
                ObservationRevision(
                    observation_id=observation_id,
                    batch=batch,
                    previous_value=old[6],
                    previous_value_note=old[7],
                    previous_numerator=old[8],
                    previous_denominator=old[9],
                    previous_lower_ci=old[10],
                    previous_upper_ci=old[11],
                    previous_batch_id=old[12],
                )
            )
        Observation.objects.bulk_update(
            observations,
            ["value", "value_note", *EXTRA_FIELDS, "period_end", "batch", "revised_at"],
            batch_size=1000,
        )
        ObservationRevision.objects.bulk_create(revisions, batch_size=1000)
        done += len(chunk)
        if progress:
            progress(done)


def _new_rows(
    check: CheckResult, plan: ImportPlan, real_measure: dict[int, int], real_area: dict[int, int]
) -> Iterator[tuple]:
    periods = check.periods
    for key in plan.new_keys:
        new = check.values[key]
        extras = new[3:] if len(new) > 3 else (None, None, None, None)
        period = periods[key[2]]
        yield real_measure[key[0]], real_area[key[1]], period, new[1], new[2], extras


def _bulk_create_new(
    check: CheckResult,
    plan: ImportPlan,
    batch: ImportBatch,
    real_measure: dict[int, int],
    real_area: dict[int, int],
) -> Iterator[int]:
    chunk: list[Observation] = []
    for measure_id, area_id, period, value, note, extras in _new_rows(
        check, plan, real_measure, real_area
    ):
        chunk.append(
            Observation(
                measure_id=measure_id,
                area_id=area_id,
                period_type=period.type.value,
                period_start=period.start,
                period_end=period.end,
                value=value,
                value_note=note,
                numerator=extras[0],
                denominator=extras[1],
                lower_ci=extras[2],
                upper_ci=extras[3],
                batch=batch,
            )
        )
        if len(chunk) >= CHUNK:
            Observation.objects.bulk_create(chunk)
            yield len(chunk)
            chunk = []
    if chunk:
        Observation.objects.bulk_create(chunk)
        yield len(chunk)


def _rows_to_load(
    check: CheckResult, plan: ImportPlan, real_measure: dict[int, int], real_area: dict[int, int]
) -> Iterator[tuple]:
    """The plan's new values as `observations_load` takes them."""
    values, periods = check.values, check.periods
    period_of: dict[int, tuple] = {}
    for key in plan.new_keys:
        new = values[key]
        period = period_of.get(key[2])
        if period is None:
            p = periods[key[2]]
            period = period_of[key[2]] = (p.type.value, p.start, p.end)
        extras = new[3:] if len(new) > 3 else (None, None, None, None)
        yield (new[0], real_measure[key[0]], real_area[key[1]], *period, new[1], new[2], *extras)


def _revisions_to_load(check: CheckResult, plan: ImportPlan) -> Iterator[tuple]:
    """The plan's revised values as `observations_load` takes them."""
    for observation_id, key, _old in plan.changes:
        new = check.values[key]
        extras = new[3:] if len(new) > 3 else (None, None, None, None)
        end = check.periods[key[2]].end
        yield (new[0], observation_id, end, new[1], new[2], *extras)


# --- Rolling back ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RollbackResult:
    restored: int
    deleted: int
    measure_ids: tuple[int, ...]
    quarters: tuple[Quarter, ...]


def values_roll_back(*, batch: ImportBatch) -> RollbackResult:
    """Undo what `batch` wrote: restore the values it revised (from their revisions) and delete
    the values it created. Call inside a transaction, after checking no later import revised
    them (`later_revisions`)."""
    revisions = list(
        ObservationRevision.objects.filter(batch=batch)
        .order_by("observation_id", "-revised_at", "-id")
        .values_list(
            "observation_id",
            "previous_value",
            "previous_value_note",
            "previous_numerator",
            "previous_denominator",
            "previous_lower_ci",
            "previous_upper_ci",
            "previous_batch_id",
        )
    )
    earliest: dict[int, tuple] = {}
    for revision in revisions:  # newest first: the last one seen is the batch's first change
        earliest[revision[0]] = revision
    ObservationRevision.objects.filter(batch=batch).delete()
    still_revised = dict(
        ObservationRevision.objects.filter(observation_id__in=list(earliest))
        .order_by("observation_id", "revised_at")
        .values_list("observation_id", "revised_at")
    )
    restored = []
    for observation_id, revision in earliest.items():
        restored.append(
            Observation(
                id=observation_id,
                value=revision[1],
                value_note=revision[2],
                numerator=revision[3],
                denominator=revision[4],
                lower_ci=revision[5],
                upper_ci=revision[6],
                batch_id=revision[7],
                revised_at=still_revised.get(observation_id),
            )
        )
    Observation.objects.bulk_update(
        restored,
        ["value", "value_note", *EXTRA_FIELDS, "batch", "revised_at"],
        batch_size=1000,
    )
    created = Observation.objects.filter(batch=batch).exclude(id__in=list(earliest))
    scope = set(created.values_list("measure_id", "period_end").distinct())
    scope |= set(
        Observation.objects.filter(id__in=list(earliest))
        .values_list("measure_id", "period_end")
        .distinct()
    )
    _, per_model = created.delete()
    deleted = per_model.get(Observation._meta.label, 0)
    return RollbackResult(
        restored=len(restored),
        deleted=deleted,
        measure_ids=tuple(sorted({measure_id for measure_id, _ in scope})),
        quarters=tuple(sorted({Quarter.containing(end) for _, end in scope})),
    )


def later_revisions(*, batch: ImportBatch) -> list[ImportBatch]:
    """Imports that revised values this batch wrote: it cannot be rolled back before them."""
    later_ids = (
        ObservationRevision.objects.filter(previous_batch=batch)
        .exclude(batch=batch)
        .values_list("batch_id", flat=True)
        .distinct()
    )
    return list(ImportBatch.objects.filter(id__in=list(later_ids)))
