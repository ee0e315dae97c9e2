"""The import formats: how each kind of file says which measure, area, period and value a row
holds. A format turns the rows of a table into `SourceRow`s (text, not yet checked) or `Skip`s
(rows the format leaves out on purpose, with the reason), and says how to find a measure from
what the file calls it. Checking is the same for every format (`performance.importing.checking`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from bury_hc.imports import ImportProblem, TableStream, columns_missing
from bury_hc.periods import Period, PeriodParseError, parse_period


class ImportFormat(StrEnum):
    TEMPLATE = "template"
    ASCOF = "ascof"
    FINGERTIPS = "fingertips"
    MAPPED = "mapped"

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self]


FORMAT_LABELS = {
    ImportFormat.TEMPLATE: "This application's template (one value a row)",
    ImportFormat.ASCOF: "ASCOF trend data, as NHS England publishes it",
    ImportFormat.FINGERTIPS: "OHID Fingertips indicator export",
    ImportFormat.MAPPED: "Another table: say which columns hold what",
}

TEMPLATE_COLUMNS = ["measure_code", "area_code", "period", "value", "value_note"]
TEMPLATE_OPTIONAL_COLUMNS = ["numerator", "denominator", "lower_ci", "upper_ci", "unit"]
EXTRA_ROLES = ("numerator", "denominator", "lower_ci", "upper_ci")
ROLES = ("area", "measure", "period", "value", "value_note", *EXTRA_ROLES, "unit")
ROLE_LABELS = {
    "area": "Area",
    "measure": "Measure",
    "period": "Period",
    "value": "Value",
    "value_note": "Note on the value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "lower_ci": "Lower confidence limit",
    "upper_ci": "Upper confidence limit",
    "unit": "Unit",
}


@dataclass(slots=True)
class SourceRow:
    """One value as the file gives it, before checking: all text."""

    row: int
    area: str
    measure: str
    period: str
    value: str
    value_note: str = ""
    numerator: str = ""
    denominator: str = ""
    lower_ci: str = ""
    upper_ci: str = ""
    unit: str = ""  # the unit the file gives the value in, where it says (checked, not stored)
    area_name: str = ""  # the file's own name for the area, for registering it
    measure_hint: str = ""  # e.g. ASCOF's description, to resolve or cross-check the code
    value_column: str | None = None  # the column the value is in, where it varies (wide tables)


# What publishers write in a value's cell when there is no value, and the note it is kept with.
MISSING_VALUES = {
    "NA": "Not available",
    "N/A": "Not available",
    "..": "Not available",
    ":": "Not available",
    "-": "Not available",
    "x": "Not available",
    "c": "Suppressed",
}


def missing_values_read(markers: Any = None) -> dict[str, str]:
    """The missing-value markers a reading recognises, casefolded, each with the note its value
    is kept with ("Not available (NA)"). `markers` is a list of markers (the defaults when None;
    an empty list for none), or a mapping of marker → meaning."""
    if markers is None:
        markers = MISSING_VALUES
    if isinstance(markers, str):
        markers = [part for part in re.split(r"[\s,]+", markers) if part]
    if not isinstance(markers, dict):
        markers = {str(m): MISSING_VALUES.get(str(m), "Not available") for m in markers}
    return {
        str(marker).strip().casefold(): f"{meaning} ({str(marker).strip()})"
        for marker, meaning in markers.items()
        if str(marker).strip()
    }


@dataclass(frozen=True, slots=True)
class Skip:
    """A row the format leaves out on purpose, and why (shown in the plan, counted)."""

    row: int
    reason: str


class MeasureResolver(Protocol):
    """Finds a measure (by its code in this application) from what a file calls it."""

    period_dependent: bool

    def resolve(self, ref: str, hint: str, period: Period | None) -> str | ImportProblemText: ...


class ImportProblemText(str):
    """A resolver's explanation of why a measure could not be found (a str, to cache cheaply)."""


@dataclass
class FormatReading:
    """What a format hands the checker."""

    rows: Iterator[SourceRow | Skip]
    columns: dict[str, str]  # role → the heading it is read from, for problem messages
    measure_resolver: MeasureResolver
    register_areas: bool = False
    blank_note: str = ""  # the note for a blank value; "" means a blank value needs its own note
    missing_values: dict[str, str] = field(default_factory=dict)  # casefolded marker → note
    blank_skips: bool = False  # a blank cell is skipped (wide tables) rather than a problem
    cell_notes: list[dict[str, str]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)  # found before any row
    warnings: list[str] = field(default_factory=list)
    stream: TableStream | None = None
    # A plain long table's rows as cells, with the positions of its measure, area, period,
    # value and note (None: no note column), for the checker to read directly; the rows above
    # are the same rows as SourceRows. None for any other table.
    cells: tuple[Iterator[tuple[int, list[str]]], tuple[int, int, int, int, int | None]] | None = (
        None
    )


def format_detect(headers: list[str]) -> ImportFormat | None:
    """Guess the format from the headings: the template, ASCOF or Fingertips, else None."""
    present = {name.lower() for name in headers}
    if {"measure_code", "area_code", "period", "value"} <= present:
        return ImportFormat.TEMPLATE
    if {"year", "ons code", "measure group", "measure_value"} <= present:
        return ImportFormat.ASCOF
    if {"indicator id", "area code", "time period", "value"} <= present:
        return ImportFormat.FINGERTIPS
    return None


def _column_lookup(stream: TableStream) -> dict[str, str]:
    """Headings by lower case, so that "Area Code" and "area code" are the same column."""
    return {name.lower(): name for name in stream.headers}


# --- The application's own template ----------------------------------------------------------


def template_reading(stream: TableStream, resolver: MeasureResolver) -> FormatReading:
    """The long template: measure_code, area_code, period, value, value_note and, optionally,
    numerator, denominator, lower_ci, upper_ci and unit (checked against the measure's unit).
    Headings are matched without regard to case."""
    problems = columns_missing(stream, ["measure_code", "area_code", "period", "value"])
    names = _column_lookup(stream)
    column = {
        "measure": names.get("measure_code", "measure_code"),
        "area": names.get("area_code", "area_code"),
        "period": names.get("period", "period"),
        "value": names.get("value", "value"),
    }
    for role in ("value_note", *EXTRA_ROLES, "unit"):
        if role in names:
            column[role] = names[role]

    def rows() -> Iterator[SourceRow | Skip]:
        if problems:
            return
        index = {name: position for position, name in enumerate(stream.headers)}
        measure, area, period, value = (
            index[column[role]] for role in ("measure", "area", "period", "value")
        )
        note = index[column["value_note"]] if "value_note" in column else None
        extras = [(role, index[column[role]]) for role in (*EXTRA_ROLES, "unit") if role in column]
        for number, cells in stream.records():
            source = SourceRow(
                number,
                cells[area].strip(),
                cells[measure].strip(),
                cells[period].strip(),
                cells[value].strip(),
                cells[note].strip() if note is not None else "",
            )
            for role, position in extras:
                setattr(source, role, cells[position].strip())
            yield source

    cells = None
    if not problems and not any(role in column for role in (*EXTRA_ROLES, "unit")):
        index = {name: position for position, name in enumerate(stream.headers)}
        cells = (
            stream.records(),
            (
                index[column["measure"]],
                index[column["area"]],
                index[column["period"]],
                index[column["value"]],
                index[column["value_note"]] if "value_note" in column else None,
            ),
        )
    return FormatReading(
        rows=rows(),
        columns=column,
        measure_resolver=resolver,
        missing_values=missing_values_read(),
        problems=problems,
        stream=stream,
        cells=cells,
    )


# --- ASCOF, as NHS England publishes it ------------------------------------------------------

ASCOF_REQUIRED = ["Year", "ONS Code", "Measure Group", "Measure_Value"]
_AGGREGATE_LEVELS = {"council type"}


def ascof_reading(stream: TableStream, resolver: MeasureResolver) -> FormatReading:
    """The ASCOF trend file: one row per year, area and measure code.

    Rows for council-type averages ("Metropolitan Districts", …; the level spelled "Council
    Type" or "Council type", the ONS code blank or "-") are skipped; so are rows for a breakdown
    other than the total (the Disaggregation Level is "Total", or blank in 2023-24). Areas are
    found by ONS code, whatever the name says (region names are spelled two ways); English
    councils, regions and England that the application does not know yet are registered from
    the file.
    """
    problems = columns_missing(stream, ASCOF_REQUIRED)
    names = _column_lookup(stream)
    column = {
        "period": names.get("year", "Year"),
        "area": names.get("ons code", "ONS Code"),
        "measure": names.get("measure group", "Measure Group"),
        "value": names.get("measure_value", "Measure_Value"),
    }
    description = names.get("measure group description")
    area_name = names.get("geographical description")
    level = names.get("geographical level")
    breakdown = names.get("disaggregation level")

    def rows() -> Iterator[SourceRow | Skip]:
        if problems:
            return
        # The cells by position, as the template does: no dictionary a row.
        index = {name: position for position, name in enumerate(stream.headers)}
        area, measure, period, value = (
            index[column[role]] for role in ("area", "measure", "period", "value")
        )
        described, named, levelled, split_by = (
            index[name] if name else None for name in (description, area_name, level, breakdown)
        )
        for number, cells in stream.records():
            if levelled is not None and cells[levelled].strip().lower() in _AGGREGATE_LEVELS:
                # "Council Type" / "Council type" rows: averages over a kind of council, with
                # no ONS code (blank in some years, "-" in others).
                yield Skip(number, "Averages for a type of council (no ONS code)")
                continue
            split = cells[split_by].strip() if split_by is not None else ""
            if split.lower() not in ("", "total"):
                yield Skip(number, f"Breakdowns other than the total ({split})")
                continue
            yield SourceRow(
                number,
                cells[area].strip().upper(),
                cells[measure].strip().upper(),
                cells[period].strip(),
                cells[value].strip(),
                area_name=cells[named].strip() if named is not None else "",
                measure_hint=cells[described].strip() if described is not None else "",
            )

    return FormatReading(
        rows=rows(),
        columns=column,
        measure_resolver=resolver,
        register_areas=True,
        problems=problems,
        stream=stream,
    )


# --- OHID Fingertips -------------------------------------------------------------------------

FINGERTIPS_REQUIRED = ["Indicator ID", "Area Code", "Time period", "Value"]
FINGERTIPS_COLUMNS = {
    "measure": "indicator id",
    "area": "area code",
    "period": "time period",
    "value": "value",
    "value_note": "value note",
    "numerator": "count",
    "denominator": "denominator",
    "lower_ci": "lower ci 95.0 limit",
    "upper_ci": "upper ci 95.0 limit",
}


def fingertips_reading(
    stream: TableStream, resolver: MeasureResolver, options: dict[str, Any] | None = None
) -> FormatReading:
    """A Fingertips indicator export (the "Download data" CSV).

    Only the rows for persons, with no category (deprivation decile, ethnic group, …), are kept
    unless `options` say otherwise (`sex`, `category_type`, `category`, `age`). For the age, an
    indicator published for one age group keeps it; one published for several keeps "All ages",
    and one with several and no "All ages" is a problem until an age is chosen. Indicators are
    linked to measures by their ID (a source code of scheme "fingertips").
    """
    options = options or {}
    problems = columns_missing(stream, FINGERTIPS_REQUIRED)
    names = _column_lookup(stream)
    column = {role: names[name] for role, name in FINGERTIPS_COLUMNS.items() if name in names}
    if problems:
        return FormatReading(
            rows=iter(()), columns=column, measure_resolver=resolver, problems=problems
        )
    age_col = names.get("age")
    left_out = _FingertipsFilter(names, options)
    wanted_age = str(options.get("age", "")).lower()
    chosen: dict[str, str] = {}
    if age_col and not wanted_age:
        chosen = _fingertips_ages(stream, column["measure"], age_col, left_out, problems)
    return FormatReading(
        rows=_fingertips_rows(stream, column, names, left_out, age_col, wanted_age, chosen),
        columns=column,
        measure_resolver=resolver,
        register_areas=True,
        blank_note="No value published",
        missing_values=missing_values_read((options or {}).get("missing_values")),
        problems=problems,
        stream=stream,
    )


class _FingertipsFilter:
    """Why a Fingertips row is left out (apart from its age), or None to keep it."""

    def __init__(self, names: dict[str, str], options: dict[str, Any]) -> None:
        self.sex_col = names.get("sex")
        self.category_type_col = names.get("category type")
        self.category_col = names.get("category")
        self.sex_label = options.get("sex", "Persons")
        self.sex = str(self.sex_label).lower()
        self.category_type = str(options.get("category_type", "")).lower()
        self.category = str(options.get("category", "")).lower()

    def __call__(self, row: Any) -> str | None:
        if self.sex_col and row.get(self.sex_col).lower() not in (self.sex, ""):
            return f"Sexes other than {self.sex_label}"
        if self.category_type_col and row.get(self.category_type_col).lower() != self.category_type:
            return "Breakdowns by category (deprivation, ethnic group, …)"
        if (
            self.category_col
            and self.category
            and row.get(self.category_col).lower() != self.category
        ):
            return "Other categories"
        return None


def _fingertips_ages(
    stream: TableStream,
    indicator_col: str,
    age_col: str,
    left_out: _FingertipsFilter,
    problems: list[ImportProblem],
) -> dict[str, str]:
    """The age group to keep for each indicator, from a first pass over the file (Fingertips
    files are small): its only one, else "All ages"; several and no "All ages" is a problem."""
    ages: dict[str, Counter[str]] = {}
    for row in stream:
        if left_out(row) is None:
            ages.setdefault(row.get(indicator_col), Counter())[row.get(age_col)] += 1
    chosen: dict[str, str] = {}
    for indicator, counts in ages.items():
        if len(counts) == 1:
            chosen[indicator] = next(iter(counts)).lower()
        elif any(age.lower() == "all ages" for age in counts):
            chosen[indicator] = "all ages"
        else:
            listed = ", ".join(sorted(counts))
            problems.append(
                ImportProblem(
                    None,
                    age_col,
                    f"Indicator {indicator} has values for several age groups ({listed}) and "
                    "none for all ages: choose the age group to import.",
                )
            )
    return chosen


def _fingertips_rows(
    stream: TableStream,
    column: dict[str, str],
    names: dict[str, str],
    left_out: _FingertipsFilter,
    age_col: str | None,
    wanted_age: str,
    chosen: dict[str, str],
) -> Iterator[SourceRow | Skip]:
    extras = [(role, column[role]) for role in EXTRA_ROLES if role in column]
    note_col = column.get("value_note")
    indicator_name, area_name = names.get("indicator name"), names.get("area name")
    for row in stream:
        reason = left_out(row)
        if reason:
            yield Skip(row.number, reason)
            continue
        indicator = row.get(column["measure"])
        if age_col:
            age = row.get(age_col).lower()
            if age != (wanted_age or chosen.get(indicator, age)):
                yield Skip(row.number, "Other age groups")
                continue
        source = SourceRow(
            row.number,
            row.get(column["area"]).upper(),
            indicator,
            row.get(column["period"]),
            row.get(column["value"]),
            row.get(note_col) if note_col else "",
            area_name=row.get(area_name) if area_name else "",
            measure_hint=row.get(indicator_name) if indicator_name else "",
        )
        for role, name in extras:
            setattr(source, role, row.get(name))
        yield source


# --- Any other table, through a mapping --------------------------------------------------------

LAYOUTS = {"long": "One value a row", "wide": "Several value columns"}
COLUMNS_ARE = {"periods": "periods", "measures": "measures"}


def mapping_problems(mapping: dict[str, Any], headers: list[str]) -> list[ImportProblem]:
    """What is wrong with a mapping for a file with these headings (plain English)."""
    problems = []
    present = {name.lower() for name in headers}
    layout = mapping.get("layout", "long")
    if layout not in LAYOUTS:
        return [ImportProblem(None, None, f"“{layout}” is not a layout: use long or wide.")]
    columns_are = mapping.get("columns_are", "periods")
    if layout == "wide" and columns_are not in COLUMNS_ARE:
        problems.append(
            ImportProblem(None, None, "Say whether the value columns are periods or measures.")
        )
    needed = ["area", "measure", "period", "value"]
    if layout == "wide":
        needed.remove("value")
        needed.remove("period" if columns_are == "periods" else "measure")
    for role in ROLES:
        problems += _role_problems(role, mapping.get(role) or {}, present, needed=role in needed)
    if layout == "long" and (mapping.get("value") or {}).get("fixed"):
        problems.append(ImportProblem(None, None, "The value must come from a column."))
    if layout == "wide":
        value_columns = _value_columns(mapping, headers)
        if not value_columns:
            problems.append(ImportProblem(None, None, "Choose the columns that hold the values."))
        problems += [
            ImportProblem(1, name, f"The file has no column “{name}”.")
            for name in value_columns
            if name.lower() not in present
        ]
    return problems


def _role_problems(role: str, spec: Any, present: set[str], *, needed: bool) -> list[ImportProblem]:
    """What is wrong with the mapping of one role (area, measure, …)."""
    if not isinstance(spec, dict):
        return [ImportProblem(None, None, f"The {role} mapping is not understood.")]
    name = spec.get("column")
    if name and name.lower() not in present:
        return [
            ImportProblem(
                1, name, f"The file has no column “{name}” ({ROLE_LABELS[role].lower()})."
            )
        ]
    if needed and not name and not spec.get("fixed"):
        return [
            ImportProblem(
                None,
                None,
                f"Say which column holds the {ROLE_LABELS[role].lower()}, or give one "
                "for the whole file.",
            )
        ]
    return []


def _value_columns(mapping: dict[str, Any], headers: list[str]) -> list[str]:
    """The columns of a wide table that hold values: those listed, or else every column not
    used for something else (whose heading is a period, when the columns are periods: so a
    saved mapping reads next quarter's months too)."""
    listed = mapping.get("value_columns")
    if listed:
        return list(listed)
    used = {
        (mapping.get(role) or {}).get("column", "").lower()
        for role in ROLES
        if isinstance(mapping.get(role), dict)
    }
    unused = [name for name in headers if name.lower() not in used]
    if mapping.get("columns_are", "periods") == "periods":
        return [name for name in unused if period_label_ok(name)]
    return unused


def _role_reader(spec: dict[str, Any] | None, names: dict[str, str]) -> tuple[Any, str | None]:
    """A function reading a role's text from a row, and the column it reads (or None)."""
    spec = spec or {}
    labels = {str(k).strip().lower(): v for k, v in (spec.get("labels") or {}).items()}
    if spec.get("column"):
        name = names.get(spec["column"].lower(), spec["column"])
        if labels:

            def read(row: Any) -> str | None:
                text = row.get(name)
                mapped = labels.get(text.lower(), text)
                return None if mapped == "" else str(mapped)
        else:

            def read(row: Any) -> str | None:
                return row.get(name)

        return read, name
    fixed = str(spec.get("fixed") or "")

    def constant(row: Any) -> str:
        return fixed

    return constant, None


def mapped_reading(
    stream: TableStream, resolver: MeasureResolver, mapping: dict[str, Any]
) -> FormatReading:
    """A table in no standard format, read through a mapping (a saved profile or the analyst's
    choices): which column holds each of area, measure, period and value, or a fixed value for
    the whole file; `labels` translate what a column says into codes ("Residential" → a measure
    code; "" leaves those rows out); or, for a wide table, which columns hold values and
    whether their headings are periods ("Apr-24") or measures.

    Options: `blank_note` (the note stored for a blank cell; without it a blank value in a long
    table is a problem, and in a wide table a blank cell is skipped), `missing_values` (the
    markers of a missing value, such as NA or c for suppressed; the common ones when not
    given), `unit` (a column giving each value's unit, checked against the measure's),
    `cell_notes` (notes on
    particular values: area, measure, period, note), `register_areas`.
    """
    problems = mapping_problems(mapping, stream.headers)
    names = _column_lookup(stream)
    readers = {role: _role_reader(mapping.get(role), names) for role in ROLES}
    column = {role: name for role, (_, name) in readers.items() if name}
    layout = mapping.get("layout", "long")
    columns_are = mapping.get("columns_are", "periods")
    blank_note = str(mapping.get("blank_note") or "")
    reading = FormatReading(
        rows=iter(()),
        columns=column,
        measure_resolver=resolver,
        register_areas=bool(mapping.get("register_areas", False)),
        blank_note=blank_note,
        blank_skips=layout == "wide" and not blank_note,
        missing_values=missing_values_read(mapping.get("missing_values")),
        cell_notes=list(mapping.get("cell_notes") or []),
        problems=problems,
        stream=stream,
    )
    if problems:
        return reading
    read = {role: reader for role, (reader, _) in readers.items()}
    if layout == "long":
        reading.rows = _long_rows(stream, read, column)
        return reading
    headings = _wide_headings(mapping, stream, names, problems)
    reading.rows = _wide_rows(stream, read, column, headings, columns_are)
    left = [
        name
        for name in stream.headers
        if name not in headings and name not in column.values() and not mapping.get("value_columns")
    ]
    if left:
        reading.warnings.append(
            "Columns not read (their headings are not periods): " + ", ".join(left) + "."
        )
    return reading


def _label_skipped(row: Any, column: dict[str, str], role: str) -> Skip:
    """A row whose label (of its area, measure or period) is set not to be imported."""
    return Skip(row.number, f"“{row.get(column[role])}” in column “{column[role]}” (not imported)")


def _long_rows(
    stream: TableStream, read: dict[str, Any], column: dict[str, str]
) -> Iterator[SourceRow | Skip]:
    """The rows of a long table: one value a row."""
    optional = [role for role in ("value_note", *EXTRA_ROLES, "unit") if role in column]
    for row in stream:
        parts = {role: read[role](row) for role in ("area", "measure", "period")}
        missing = next((role for role, text in parts.items() if text is None), None)
        if missing:
            yield _label_skipped(row, column, missing)
            continue
        source = SourceRow(
            row.number, parts["area"], parts["measure"], parts["period"], row.get(column["value"])
        )
        for role in optional:
            setattr(source, role, read[role](row) or "")
        yield source


def _wide_headings(
    mapping: dict[str, Any],
    stream: TableStream,
    names: dict[str, str],
    problems: list[ImportProblem],
) -> dict[str, str]:
    """The value columns of a wide table, each with the period or measure its heading means
    (through the mapping's labels); a heading that should be a period and is not is a problem."""
    columns_are = mapping.get("columns_are", "periods")
    role = "period" if columns_are == "periods" else "measure"
    header_labels = {
        str(k).strip().lower(): v
        for k, v in ((mapping.get(role) or {}).get("labels") or {}).items()
    }
    headings = {}
    for name in (names.get(n.lower(), n) for n in _value_columns(mapping, stream.headers)):
        text = header_labels.get(name.lower(), name)
        if text == "":
            continue  # a column set not to be imported
        if columns_are == "periods":
            try:
                parse_period(str(text))
            except PeriodParseError as exc:
                problems.append(ImportProblem(1, name, f"This heading is not a period: {exc}"))
                continue
        headings[name] = str(text)
    return headings


def _wide_rows(
    stream: TableStream,
    read: dict[str, Any],
    column: dict[str, str],
    headings: dict[str, str],
    columns_are: str,
) -> Iterator[SourceRow | Skip]:
    """The values of a wide table: one per value column of each row."""
    fixed_role = "measure" if columns_are == "periods" else "period"
    for row in stream:
        area = read["area"](row)
        other = read[fixed_role](row)
        if area is None or other is None:
            yield _label_skipped(row, column, "area" if area is None else fixed_role)
            continue
        note = (read["value_note"](row) if "value_note" in column else "") or ""
        unit = (read["unit"](row) if "unit" in column else "") or ""
        for name, heading in headings.items():
            period, measure = (heading, other) if columns_are == "periods" else (other, heading)
            yield SourceRow(
                row.number,
                area,
                measure,
                period,
                row.get(name),
                note,
                unit=unit,
                value_column=name,
            )


def period_label_ok(text: str) -> bool:
    """Whether a heading reads as a period (to suggest the value columns of a wide table)."""
    try:
        parse_period(text)
    except PeriodParseError:
        return False
    return bool(re.search(r"\d", text))
