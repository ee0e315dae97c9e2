"""Checking an import as a whole, the same way for every format.

Every row is read once: its area, measure, period and numbers are resolved and parsed (with
caches, so a file of a million rows makes no query per row), duplicates within the file are
found, and every problem is named by row and column. The result holds the values ready to
write, keyed by measure, area and period, and what else the import would do (areas to
register, catalogue measures to create, rows left out and why).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bury_hc.imports import ImportProblem, decimal_parse
from bury_hc.periods import Period, PeriodParseError, parse_period
from performance.importing.catalogue import text_key
from performance.importing.formats import (
    EXTRA_ROLES,
    FormatReading,
    ImportProblemText,
    Skip,
    SourceRow,
)
from performance.models import Area, Measure, Unit

MAX_PROBLEMS_KEPT = 1000
SAMPLE_ROWS = 10
PROGRESS_EVERY = 10_000
_MAX_MAGNITUDE = Decimal(10) ** 14  # max_digits 20, decimal_places 6
_SIX_PLACES = Decimal("0.000001")
REGISTRABLE_AREA = re.compile(r"^E(06|07|08|09|10|12|92)\d{6}$")
COUNCIL_TYPES = {
    "E06": "Unitary authority",
    "E07": "Non-metropolitan district",
    "E08": "Metropolitan district",
    "E09": "London borough",
    "E10": "County council",
}

# A checked value: (row, value as text or None, note, numerator, denominator, lower, upper).
# Text, not Decimal, to keep a million of them small; the text is already known to be a number
# that fits the database (at most 14 digits before the point, 6 after).
CheckedValue = tuple
Key = tuple[int, int, int]  # measure id, area id, period index (ids < 0: to be created)


@dataclass
class AreaToRegister:
    ons_code: str
    name: str
    kind: str
    council_type: str
    names: set[str] = field(default_factory=set)
    latest: Period | None = None


@dataclass
class CheckResult:
    """An import checked as a whole: what it holds, and everything wrong with it."""

    values: dict[Key, CheckedValue]
    periods: list[Period]
    measure_codes: dict[int, str]  # id (negative for measures to create) → code
    area_codes: dict[int, str]  # id (negative for areas to register) → ONS code
    measure_names: dict[str, str]
    area_names: dict[str, str]
    problems: list[ImportProblem]
    problem_count: int
    skipped: Counter[str]
    rows_read: int
    areas_to_register: dict[str, AreaToRegister]
    measures_to_create: set[str]
    warnings: list[str]
    sample_rows: list[dict[str, str]]
    # Values the file gives in another unit than their measure's (see `unit_read`): one entry
    # per measure and unit, with how many rows and the first of them.
    unit_mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.problem_count == 0


class _Problems:
    def __init__(self) -> None:
        self.kept: list[ImportProblem] = []
        self.count = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(ImportProblem(row, column, message))


def import_check(
    reading: FormatReading, *, progress: Callable[[int], None] | None = None
) -> CheckResult:
    """Check every row of `reading`; nothing is written. Queries: the areas, the measures, and
    whatever the format's measure resolver loaded."""
    problems = _Problems()
    for problem in reading.problems:
        problems.add(problem.row, problem.column, problem.message)
    if reading.problems:  # the file's shape is wrong: its rows cannot be read sensibly
        return _empty_result(problems, reading)

    checker = _RowChecker(reading, problems)
    if reading.cells is not None and not checker.period_dependent:
        rows_read = checker.check_cells(*reading.cells, progress=progress)
    else:
        skipped = checker.skipped
        rows_read = 0
        for item in reading.rows:
            if type(item) is Skip:
                skipped[item.reason] += 1
                continue
            rows_read += 1
            if progress and rows_read % PROGRESS_EVERY == 0:
                progress(rows_read)
            checker.check(item)

    result = checker.result(rows_read)
    if reading.stream is not None:
        for problem in reading.stream.problems:
            problems.add(problem.row, problem.column, problem.message)
        result.problems, result.problem_count = problems.kept, problems.count
    _cell_notes_apply(result, reading, checker.areas)
    result.sample_rows = [_sample(result, key) for key in checker.samples]
    return result


_BLANK_SKIPPED = object()  # a blank value the format leaves out rather than refuses


class _RowChecker:
    """Checks one row at a time, keeping what it learnt (periods, areas and measures resolved
    once per spelling) and the values ready to write. Every problem goes to `problems`."""

    def __init__(self, reading: FormatReading, problems: _Problems) -> None:
        self.reading = reading
        self.problems = problems
        self.columns = reading.columns
        self.areas = _AreaResolver(register=reading.register_areas)
        self.measure_ids: dict[str, int] = dict(Measure.objects.values_list("code", "id"))
        self.measure_names: dict[str, str] = dict(Measure.objects.values_list("code", "name"))
        self.new_measures: dict[str, int] = {}
        self.resolver = reading.measure_resolver
        self.missing_values = reading.missing_values
        self.period_dependent = self.resolver.period_dependent
        self.periods: list[Period] = []
        self.period_index: dict[Period, int] = {}
        self.period_cache: dict[str, int | str] = {}
        self.measure_cache: dict[tuple | str, int | str] = {}
        self.values: dict[Key, CheckedValue] = {}
        self.skipped: Counter[str] = Counter()
        self.samples: list[Key] = []
        self.measure_units: dict[int, str] = (
            dict(Measure.objects.values_list("id", "unit")) if "unit" in self.columns else {}
        )
        self.unit_ok: dict[tuple[int, str], bool] = {}
        self.unit_mismatches: dict[tuple[int, str], list[int]] = {}  # → [rows, first row]

    def check(self, item: Any) -> None:
        """Check a row; keep its value if every part of it is good.

        The common row (a period, area and measure already met and good, a plain number, no
        note, no extras) is checked here; anything else goes through the methods below, which
        check it in full and say what is wrong."""
        pidx = self.period_cache.get(item.period)
        if type(pidx) is not int:
            pidx = self._period(item)
        area_id = self.areas.cache.get(item.area)
        if type(area_id) is not int or area_id < 0:
            area_id = self._area(item, pidx)
        measure_id = None if self.period_dependent else self.measure_cache.get(item.measure)
        if type(measure_id) is not int:
            measure_id = self._measure(item, pidx)
        text = item.value
        if (
            text
            and not item.value_note
            and _PLAIN_NUMBER(text)
            and text not in self.missing_values  # a number is its own casefold
            and not (item.numerator or item.denominator or item.lower_ci or item.upper_ci)
        ):
            checked: Any = (text, "")
        else:
            checked = self._value(item)
        if checked is _BLANK_SKIPPED:
            self.skipped["Blank cells"] += 1
            return
        if checked is None or pidx is None or area_id is None or not measure_id:
            return
        key = (measure_id, area_id, pidx)
        if key in self.values:
            first = self.values[key][0]
            self.problems.add(
                item.row,
                item.value_column or self.columns.get("value"),
                f"This is a second value for the same measure, area and period as row {first}: "
                "keep one of them.",
            )
            return
        self.values[key] = (item.row, *checked)
        if len(self.samples) < SAMPLE_ROWS:
            self.samples.append(key)
        if item.unit and measure_id > 0:
            self._unit(item, measure_id)

    def _unit(self, item: Any, measure_id: int) -> None:
        """Note a value the file gives in another unit than its measure's (once per measure
        and spelling of the unit, then counted)."""
        pair = (measure_id, item.unit)
        ok = self.unit_ok.get(pair)
        if ok is None:
            ok = self.unit_ok[pair] = unit_read(item.unit) == self.measure_units.get(measure_id)
        if not ok:
            seen = self.unit_mismatches.setdefault(pair, [0, item.row])
            seen[0] += 1

    def check_cells(
        self,
        records: Iterator[tuple[int, list[str]]],
        positions: tuple[int, int, int, int, int | None],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Check the rows of a plain long table (measure, area, period, value and note columns
        at `positions`), as `check` does, reading the cells themselves: the common row (its
        period, area and measure already met and good, a plain number, no note, not a second
        value for its key) is kept here; any other becomes a SourceRow for `check`, which
        checks it in full and says what is wrong. Returns how many rows were read."""
        measure_at, area_at, period_at, value_at, note_at = positions
        periods, areas, measures = self.period_cache, self.areas.cache, self.measure_cache
        values, samples, missing = self.values, self.samples, self.missing_values
        plain = _PLAIN_NUMBER
        count = 0
        for number, cells in records:
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
            measure = cells[measure_at].strip()
            area = cells[area_at].strip()
            period = cells[period_at].strip()
            value = cells[value_at].strip()
            note = cells[note_at].strip() if note_at is not None else ""
            pidx = periods.get(period)
            area_id = areas.get(area)
            measure_id = measures.get(measure)
            if (
                type(pidx) is int
                and type(area_id) is int
                and area_id >= 0
                and type(measure_id) is int
                and value
                and not note
                and plain(value)
                and value not in missing  # a number is its own casefold
            ):
                key = (measure_id, area_id, pidx)
                if key not in values:
                    values[key] = (number, value, "")
                    if len(samples) < SAMPLE_ROWS:
                        samples.append(key)
                    continue
            self.check(SourceRow(number, area, measure, period, value, note))
        return count

    def _period(self, item: Any) -> int | None:
        """The period's index, parsed once per distinct spelling; None if it is not one."""
        pidx = self.period_cache.get(item.period)
        if pidx is None:
            try:
                period = parse_period(item.period)
            except PeriodParseError as exc:
                pidx = str(exc)
            else:
                pidx = self.period_index.get(period)
                if pidx is None:
                    pidx = self.period_index[period] = len(self.periods)
                    self.periods.append(period)
            self.period_cache[item.period] = pidx
        if type(pidx) is str:
            self.problems.add(item.row, self.columns.get("period") or item.value_column, pidx)
            return None
        return pidx  # type: ignore[return-value]

    def _area(self, item: Any, pidx: int | None) -> int | None:
        """The area's id (negative for one to register), by ONS code or name; None if unknown."""
        areas = self.areas
        area_id = areas.cache.get(item.area)
        if area_id is None:
            area_id = areas.resolve(item.area, item.area_name)
        if type(area_id) is str:
            self.problems.add(item.row, self.columns.get("area"), area_id)
            return None
        if area_id < 0:  # type: ignore[operator]
            areas.seen(item.area, item.area_name, None if pidx is None else self.periods[pidx])
        return area_id  # type: ignore[return-value]

    def _measure(self, item: Any, pidx: int | None) -> int | None:
        """The measure's id (negative for one to create) by whatever the format calls it, in
        its year where that matters; 0 when that cannot be said without a good period, None
        (and a problem) when it is not a measure."""
        period_dependent = self.period_dependent
        key = (item.measure, item.measure_hint, pidx) if period_dependent else item.measure
        measure_id = self.measure_cache.get(key)
        if measure_id is None:
            if period_dependent and pidx is None:
                return 0  # the period's problem is enough
            measure_id = self.measure_cache[key] = self._measure_resolve(item, pidx)
        if type(measure_id) is str:
            self.problems.add(
                item.row, self.columns.get("measure") or item.value_column, measure_id
            )
            return None
        return measure_id  # type: ignore[return-value]

    def _measure_resolve(self, item: Any, pidx: int | None) -> int | str:
        period = None if pidx is None else self.periods[pidx]
        found = self.resolver.resolve(item.measure, item.measure_hint, period)
        if isinstance(found, ImportProblemText):
            return str(found)
        if found in self.measure_ids:
            return self.measure_ids[found]
        return self.new_measures.setdefault(found, -1 - len(self.new_measures))

    def _value(self, item: Any) -> tuple | object | None:
        """(value, note, *extras) for the row; None if any of them is wrong (with a problem),
        or _BLANK_SKIPPED for a blank value the format leaves out."""
        row, column = item.row, item.value_column or self.columns.get("value")
        note_column = self.columns.get("value_note")
        text, note = item.value, item.value_note
        value: str | None = None
        ok = True
        missing = self.missing_values.get(text.casefold()) if text else None
        if missing is not None:
            note = note or missing
        elif text:
            value = _number(text, row, column, self.problems)
            ok = value is not None
        elif not note:
            note = self.reading.blank_note
            if not note and self.reading.blank_skips:
                return _BLANK_SKIPPED
            if not note:
                self.problems.add(
                    row,
                    column,
                    "The value is blank: enter a number, or say in the note why there is none"
                    + (f" (column “{note_column}”)." if note_column else "."),
                )
                ok = False
        if len(note) > 255:
            self.problems.add(
                row, note_column, "The note is longer than 255 characters: shorten it."
            )
            ok = False
        extras = self._extras(item)
        if not ok or extras is None:
            return None
        return (value, note, *extras) if any(extras) else (value, note)

    def _extras(self, item: Any) -> list[str | None] | None:
        """The numerator, denominator and confidence limits (None if any is not a number)."""
        extras: list[str | None] = []
        if not (item.numerator or item.denominator or item.lower_ci or item.upper_ci):
            return extras
        ok = True
        for role in EXTRA_ROLES:
            extra_text = getattr(item, role)
            number = None
            if extra_text:
                number = _number(extra_text, item.row, self.columns.get(role, role), self.problems)
                ok = ok and number is not None
            extras.append(number)
        return extras if ok else None

    def result(self, rows_read: int) -> CheckResult:
        codes = {id_: code for code, id_ in self.measure_ids.items()}
        codes.update({id_: code for code, id_ in self.new_measures.items()})
        return CheckResult(
            values=self.values,
            periods=self.periods,
            measure_codes=codes,
            area_codes=self.areas.codes(),
            measure_names=self.measure_names,
            area_names=self.areas.names(),
            problems=self.problems.kept,
            problem_count=self.problems.count,
            skipped=self.skipped,
            rows_read=rows_read,
            areas_to_register=self.areas.to_register,
            measures_to_create=set(self.new_measures),
            warnings=[*self.reading.warnings, *getattr(self.resolver, "warnings", [])],
            sample_rows=[],
            unit_mismatches=self._unit_mismatches(codes),
        )

    def _unit_mismatches(self, codes: dict[int, str]) -> list[dict[str, Any]]:
        labels = dict(Unit.choices)
        return [
            {
                "measure": codes[measure_id],
                "measure_name": self.measure_names.get(codes[measure_id], codes[measure_id]),
                "file_unit": text,
                "measure_unit": labels.get(self.measure_units[measure_id], ""),
                "rows": rows,
                "first_row": first,
            }
            for (measure_id, text), (rows, first) in sorted(
                self.unit_mismatches.items(), key=lambda item: item[1][1]
            )
        ]


_PLAIN_NUMBER = re.compile(r"-?\d{1,14}(?:\.\d{1,6})?", re.ASCII).fullmatch  # not "٣"


def _number(text: str, row: int, column: str | None, problems: _Problems) -> str | None:
    """The number as text the database takes, or None (and a problem) if it is not one."""
    if _PLAIN_NUMBER(text):
        return text  # the common case: a plain number that fits the column as it is
    try:
        number = Decimal(text)
        fast = number.is_finite()
    except InvalidOperation:
        fast = False
    if not fast:
        number, problem = decimal_parse(text, row=row, column=column or "value")
        if problem:
            problems.add(problem.row, problem.column, problem.message)
            return None
    if abs(number) >= _MAX_MAGNITUDE:
        problems.add(row, column, f"“{text}” is too large to store (at most 14 digits).")
        return None
    exponent = number.as_tuple().exponent
    if exponent < -6:  # type: ignore[operator]
        return str(number.quantize(_SIX_PLACES))
    if fast and text.isascii() and "_" not in text and text == text.strip():
        return text  # the common case: the text is already a plain number
    return str(number)


class _AreaResolver:
    """Areas by ONS code, name or alternative name; unknown English councils, regions and
    England registered from the file when the format allows it."""

    def __init__(self, *, register: bool) -> None:
        self.register = register
        self.by_key: dict[str, int] = {}
        self.code_of: dict[int, str] = {}
        self.name_of: dict[str, str] = {}
        for area_id, code, name, alternatives in Area.objects.values_list(
            "id", "ons_code", "name", "alternative_names"
        ):
            self.code_of[area_id] = code
            self.name_of[code] = name
            for alternative in alternatives.split("|"):
                if alternative.strip():
                    self.by_key.setdefault(text_key(alternative), area_id)
            self.by_key.setdefault(text_key(name), area_id)
        for area_id, code in self.code_of.items():
            self.by_key[text_key(code)] = area_id
        self.cache: dict[str, int | str] = {}
        self.to_register: dict[str, AreaToRegister] = {}
        self.new_ids: dict[str, int] = {}

    def resolve(self, ref: str, name: str) -> int | str:
        found: int | str | None = self.by_key.get(text_key(ref))
        if found is None:
            code = ref.strip().upper()
            if self.register and REGISTRABLE_AREA.match(code):
                found = self.new_ids.setdefault(code, -1 - len(self.new_ids))
                prefix = code[:3]
                self.to_register[code] = AreaToRegister(
                    ons_code=code,
                    name=name or code,
                    kind={"E92": "country", "E12": "region"}.get(prefix, "local_authority"),
                    council_type=COUNCIL_TYPES.get(prefix, ""),
                )
            elif not ref:
                found = "The area is blank: give its ONS code, for example E08000002 for Bury."
            else:
                found = (
                    f"“{ref}” is not an area this application knows: use its ONS code (for "
                    "example E08000002 for Bury), or ask an administrator to add the area."
                )
        self.cache[ref] = found
        return found

    def seen(self, ref: str, name: str, period: Period | None) -> None:
        """Keep the most recent name the file gives a new area, and the others as spellings."""
        entry = self.to_register.get(ref.strip().upper())
        if entry is None or not name:
            return
        entry.names.add(name)
        if period is not None and (entry.latest is None or period.start >= entry.latest.start):
            entry.latest, entry.name = period, name

    def codes(self) -> dict[int, str]:
        codes = dict(self.code_of)
        codes.update({id_: code for code, id_ in self.new_ids.items()})
        return codes

    def names(self) -> dict[str, str]:
        names = dict(self.name_of)
        names.update({code: entry.name for code, entry in self.to_register.items()})
        return names


def _cell_notes_apply(result: CheckResult, reading: FormatReading, areas: _AreaResolver) -> None:
    """Attach a mapping's notes on particular values (area, measure, period) to those values."""
    if not reading.cell_notes:
        return
    area_ids = {code: id_ for id_, code in result.area_codes.items()}
    measure_ids = {code: id_ for id_, code in result.measure_codes.items()}
    period_ids = {period: index for index, period in enumerate(result.periods)}
    for note in reading.cell_notes:
        try:
            period = parse_period(str(note.get("period", "")))
        except PeriodParseError:
            period = None
        area = areas.by_key.get(text_key(str(note.get("area", ""))))
        area_id = area if area is not None else area_ids.get(str(note.get("area", "")).upper())
        key = (
            measure_ids.get(str(note.get("measure", ""))),
            area_id,
            period_ids.get(period) if period else None,
        )
        current = result.values.get(key)  # type: ignore[arg-type]
        if current is None:
            result.warnings.append(
                f"The note “{note.get('note')}” is for a value the file does not hold "
                f"({note.get('measure')}, {note.get('area')}, {note.get('period')})."
            )
            continue
        result.values[key] = (current[0], current[1], str(note["note"]), *current[3:])  # type: ignore[index]


def _sample(result: CheckResult, key: Key) -> dict[str, str]:
    measure_id, area_id, pidx = key
    row, value, note = result.values[key][:3]
    measure = result.measure_codes[measure_id]
    area = result.area_codes[area_id]
    return {
        "row": str(row),
        "measure": measure,
        "measure_name": result.measure_names.get(measure, measure),
        "area": result.area_names.get(area, area),
        "period": result.periods[pidx].label,
        "value": value if value is not None else "",
        "note": note,
    }


def _empty_result(problems: _Problems, reading: FormatReading) -> CheckResult:
    return CheckResult(
        values={},
        periods=[],
        measure_codes={},
        area_codes={},
        measure_names={},
        area_names={},
        problems=problems.kept,
        problem_count=problems.count,
        skipped=Counter(),
        rows_read=0,
        areas_to_register={},
        measures_to_create=set(),
        warnings=list(reading.warnings),
        sample_rows=[],
    )


# How files write each unit (casefolded, spaces and commas in numbers taken out).
UNIT_SPELLINGS = {
    Unit.COUNT: {"count", "number", "numbers", "n", "no", "no.", "#", "people", "persons"},
    Unit.PERCENTAGE: {"%", "percent", "percentage", "per cent", "pct", "proportion (%)"},
    Unit.DAYS: {"days", "day", "number of days"},
    Unit.RATE_PER_100K: {
        "per 100000",
        "rate per 100000",
        "per 100k",
        "rate per 100k",
        "per 100000 population",
        "crude rate per 100000",
        "rate_per_100k",
    },
    Unit.SCORE: {"score", "points", "average score"},
    Unit.POUNDS: {"£", "gbp", "pounds", "£s", "pounds sterling"},
}
_UNIT_BY_SPELLING = {
    spelling: unit.value for unit, spellings in UNIT_SPELLINGS.items() for spelling in spellings
} | {unit.label.casefold(): unit.value for unit in Unit}


def unit_read(text: str) -> str | None:
    """The unit (a `Unit` value) a file's unit text means, or None when it is not one of ours
    ("per 1,000", "ratio"): such a value is then in another unit than any measure's."""
    key = re.sub(r"(?<=\d),(?=\d{3})", "", " ".join(text.casefold().split()))
    return _UNIT_BY_SPELLING.get(key)
