"""The performance app's demo data: areas and comparator groups, the measure catalogue, the
Q4 2024/25 Adult Social Care figures (imported as files, through the application's own
importers), the published highlight rows and ranks, the sections' commentary, and the
dashboards built from them (areas.yaml, measures.yaml, the CSV tables it names,
commentary_2024_25_q4.yaml)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from bury_hc.imports import ImportRefused, TableRow
from bury_hc.periods import Quarter
from bury_hc.services import record_upsert
from demo.base import DemoDataError, DemoLoad
from performance import services as performance_services
from performance.models import (
    DashboardSnapshot,
    Measure,
    PublishedHighlight,
    SectionCommentary,
    Target,
)
from performance.snapshots import snapshots_rebuild

POLARITY_LETTERS = {"H": "higher", "L": "lower"}
FREQUENCY_LETTERS = {"Q": "quarterly", "A": "annual"}
DIRECTION_SYMBOLS = {
    "✓": PublishedHighlight.Direction.IMPROVING,
    "✗": PublishedHighlight.Direction.WORSENING,
    "": PublishedHighlight.Direction.NOT_STATED,
}


def performance_load(load: DemoLoad) -> None:
    _areas_load(load)
    _measures_load(load)
    _targets_load(load)
    _observations_load(load)
    _commentary_load(load)
    _dashboards_rebuild(load)


def _areas_load(load: DemoLoad) -> None:
    data = load.yaml("areas.yaml")
    for row in data["areas"]:
        region_code = row.pop("region", None)
        region = load.lookup(load.areas, region_code, "area", "areas.yaml") if region_code else None
        area = load.count(performance_services.area_upsert(region=region, **row))
        load.areas[area.ons_code] = area
    for row in data["comparator_groups"]:
        members = [
            load.lookup(load.areas, code, "area", f"areas.yaml {row['slug']}")
            for code in row.pop("members")
        ]
        group = load.count(performance_services.comparator_group_upsert(members=members, **row))
        load.groups[group.slug] = group


def _measures_load(load: DemoLoad) -> None:
    data = load.yaml("measures.yaml")
    load.sources = data["sources"]
    groups = {}
    for row in data["measure_groups"]:
        group = load.count(performance_services.measure_group_upsert(**row))
        groups[group.name] = group
    for row in data["measures"]:
        where = f"measures.yaml {row['code']}"
        group = load.lookup(groups, row.pop("group"), "measure group", where)
        programmes = [
            load.lookup(load.programmes, slug, "programme", where)
            for slug in row.pop("programmes", [])
        ]
        highlight_order = row.pop("highlight_order", 0)
        measure = load.count(
            performance_services.measure_upsert(
                group=group,
                programmes=programmes,
                in_highlight_report=bool(highlight_order),
                highlight_order=highlight_order,
                **row,
            )
        )
        load.measures[measure.code] = measure


def _observations_load(load: DemoLoad) -> None:
    """The measure values, through the application's own importers, as any file would be:
    checked as a whole, recorded under an import batch per file (its SHA-256, source and
    publication date), revised values kept, and a second run changing nothing. Three
    tables of the report are read through mappings (kept on their batches); the others were
    copied into the long template."""
    gm_config = load.sources["gm_waiting_list"]
    highlight_config = load.sources["highlight_report"]
    services_config = load.sources["longterm_services"]
    highlights = _highlight_report_read(load, _gm_values(load, gm_config))
    _longterm_services_check(load, services_config)
    imports: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
        (gm_config, _gm_waiting_list_mapping(load, gm_config)),
        (highlight_config, _highlight_mapping(load, highlight_config)),
        (services_config, _longterm_services_mapping(load, services_config)),
        *((config, None) for config in load.sources["template_tables"]),
    ]
    for config, mapping in imports:
        name = config["file"]
        content = load.read_bytes(name)
        try:
            outcome = performance_services.observations_import(
                file_name=name,
                content=content,
                file_format="mapped" if mapping else "template",
                source=config["source"],
                published_on=config["published_on"],
                mapping=mapping,
                notes=config.get("batch_notes", ""),
                rebuild_snapshots=False,  # rebuild_dashboards does it once, at the end
            )
        except ImportRefused as exc:
            problems = "; ".join(str(problem) for problem in exc.problems[:20])
            raise DemoDataError(f"{name}: {problems}") from exc
        counts = load.tally.setdefault("observations", Counter())
        counts["created"] += outcome.plan.new
        counts["updated"] += outcome.plan.revised
        counts["unchanged"] += outcome.plan.unchanged
        load.count(outcome.batch_change, label="import batches")
    _highlights_write(load, highlights)


def _gm_values(load: DemoLoad, config: dict[str, Any]) -> dict[tuple[str, str], Decimal | None]:
    """The Greater Manchester comparison's values, by measure and area, to check the
    highlight report against."""
    columns: dict[str, str] = config["columns"]
    _, table = load.table(config["file"], ["snapshot", "area_code", *columns])
    return {
        (code, row.get("area_code")): load.number(row.get(column), table, row.number, column)
        for row in table
        for column, code in columns.items()
    }


def _gm_waiting_list_mapping(load: DemoLoad, config: dict[str, Any]) -> dict[str, Any]:
    """One row per area; the five value columns are measures (measures.yaml says which)."""
    notes = [
        {
            "area": area,
            "measure": config["columns"][column],
            "period": config["snapshot"],
            "note": note,
        }
        for area, by_column in config.get("notes", {}).items()
        for column, note in by_column.items()
    ]
    return {
        "layout": "wide",
        "columns_are": "measures",
        "area": {"column": "area_code"},
        "period": {"column": "snapshot"},
        "measure": {"labels": dict(config["columns"])},
        "value_columns": list(config["columns"]),
        "blank_note": config["blank_note"],
        "cell_notes": notes,
    }


def _highlight_mapping(load: DemoLoad, config: dict[str, Any]) -> dict[str, Any]:
    """One row per measure, found by its name; the period by the frequency column
    (quarterly: the quarter; annual: the financial year). The two waiting-list rows are left
    out: their values come from the Greater Manchester comparison."""
    from_gm = {load.measures[code].name: "" for code in config["values_from_gm_waiting_list"]}
    return {
        "layout": "long",
        "area": {"fixed": config["area"]},
        "measure": {"column": "performance_measure", "labels": from_gm},
        "period": {
            "column": "frequency",
            "labels": {"Q": config["quarter"], "A": config["annual_period"]},
        },
        "value": {"column": "latest_data"},
    }


def _longterm_services_mapping(load: DemoLoad, config: dict[str, Any]) -> dict[str, Any]:
    """One row per service type, one column per month; "Residential Placement" repeats
    "Residential" (checked by `check_longterm_services`) and is left out."""
    labels, seen = {}, set()
    for label, code in config["series"].items():
        labels[label] = "" if code in seen else code
        seen.add(code)
    notes = [
        {"area": config["area"], "measure": code, "period": month, "note": note}
        for code, by_month in config.get("notes", {}).items()
        for month, note in by_month.items()
    ]
    return {
        "layout": "wide",
        "columns_are": "periods",
        "area": {"fixed": config["area"]},
        "measure": {"column": "service_type", "labels": labels},
        "cell_notes": notes,
    }


def _highlight_report_read(
    load: DemoLoad, from_gm: dict[tuple[str, str], Decimal | None]
) -> list[dict[str, Any]]:
    """The published highlight rows and ranks, checked against measures.yaml and the
    Greater Manchester comparison (the values themselves are imported as a file)."""
    config = load.sources["highlight_report"]
    rank_columns: dict[str, dict[str, Any]] = config["rank_columns"]
    _, table = load.table(
        config["file"],
        [
            "obsession",
            "performance_measure",
            "frequency",
            "polarity",
            "latest_data",
            "direction_of_travel_symbol",
            *rank_columns,
        ],
    )
    area = load.lookup(load.areas, config["area"], "area", "measures.yaml")
    quarter = Quarter.parse(config["quarter"])
    by_name = {m.name: m for m in load.measures.values() if m.in_highlight_report}
    highlights = []
    for row in table:
        where = f"{table.file_name} row {row.number}"
        name = row.get("performance_measure")
        measure = load.lookup(by_name, name, "highlight measure", where)
        _highlight_row_check(load, measure, row, where)
        published = row.get("latest_data")
        value = load.number(published, table, row.number, "latest_data")
        if measure.code in config["values_from_gm_waiting_list"]:
            loaded = from_gm.get((measure.code, area.ons_code))
            if loaded != value:
                raise DemoDataError(
                    f"{where}: the published value {published} differs from "
                    f"{area.name}'s value in {load.sources['gm_waiting_list']['file']} "
                    f"({loaded})."
                )
        ranks = []
        for column, rank_config in rank_columns.items():
            rank = load.number(row.get(column), table, row.number, column)
            if rank is None:
                continue
            if rank != rank.to_integral_value() or not 1 <= rank <= rank_config["out_of"]:
                raise DemoDataError(
                    f"{where}, column “{column}”: a rank is a whole number from 1 to "
                    f"{rank_config['out_of']}, not {row.get(column)}."
                )
            ranks.append({**rank_config, "rank": int(rank)})
        highlights.append(
            {
                "measure": measure,
                "quarter": quarter,
                "text": published,
                "direction": DIRECTION_SYMBOLS[row.get("direction_of_travel_symbol")],
                "ranks": ranks,
            }
        )
    return highlights


def _highlight_row_check(load: DemoLoad, measure: Measure, row: TableRow, where: str) -> None:
    """The row must agree with measures.yaml: obsession, polarity, frequency and unit."""
    published = {
        "obsession": row.get("obsession"),
        "polarity": POLARITY_LETTERS.get(row.get("polarity")),
        "frequency": FREQUENCY_LETTERS.get(row.get("frequency")),
    }
    defined = {
        "obsession": measure.group.name if measure.group else "",
        "polarity": measure.polarity,
        "frequency": measure.frequency,
    }
    for column, value in published.items():
        if value != defined[column]:
            raise DemoDataError(
                f"{where}, column “{column}”: “{row.get(column)}” does not match "
                f"measures.yaml for {measure.code}."
            )
    if row.get("latest_data").endswith("%") != (measure.unit == "percentage"):
        raise DemoDataError(
            f"{where}: “{row.get('latest_data')}” does not fit the unit of {measure.code}."
        )
    if row.get("direction_of_travel_symbol") not in DIRECTION_SYMBOLS:
        raise DemoDataError(
            f"{where}: the direction of travel should be ✓, ✗ or blank, "
            f"not “{row.get('direction_of_travel_symbol')}”."
        )


def _highlights_write(load: DemoLoad, rows: list[dict[str, Any]]) -> None:
    source = load.sources["highlight_report"]["source"]
    for row in rows:
        highlight = load.count(
            performance_services.published_highlight_upsert(
                measure=row["measure"],
                quarter=row["quarter"],
                latest_value_as_published=row["text"],
                direction=row["direction"],
                source=source,
            )
        )
        for rank in row["ranks"]:
            load.count(
                performance_services.published_rank_upsert(
                    highlight=highlight,
                    comparator_group=load.lookup(
                        load.groups, rank["group"], "comparator group", "measures.yaml"
                    ),
                    rank=rank["rank"],
                    out_of=rank["out_of"],
                    as_at=rank["as_at"],
                )
            )


def _longterm_services_check(load: DemoLoad, config: dict[str, Any]) -> None:
    """The table prints residential placements twice ("Residential" and "Residential
    Placement"): refuse the file if the two ever differ, since only one is imported."""
    series: dict[str, str] = config["series"]
    _, table = load.table(config["file"], ["service_type"])
    months = [name for name in table.headers if name != "service_type"]
    seen: dict[str, TableRow] = {}
    for row in table:
        where = f"{table.file_name} row {row.number}"
        label = row.get("service_type")
        code = load.lookup(series, label, "series", where)
        first = seen.setdefault(code, row)
        if first is not row and [first.get(m) for m in months] != [row.get(m) for m in months]:
            raise DemoDataError(
                f"{where}: “{label}” should repeat row {first.number} "
                f"(“{first.get('service_type')}”) but its figures differ."
            )


def _targets_load(load: DemoLoad) -> None:
    """The targets the report states (measures.yaml `targets`; sources in fixtures/README)."""
    for row in load.yaml("measures.yaml").get("targets", []):
        measure = load.lookup(load.measures, row["measure"], "measure", "measures.yaml targets")
        load.count(
            record_upsert(
                Target,
                lookup={"measure": measure, "applies_from": row["applies_from"]},
                values={
                    "applies_to": row["applies_to"],
                    "value": Decimal(str(row["value"])),
                    "tolerance": Decimal(str(row.get("tolerance", 0))),
                    "note": row.get("note", ""),
                },
            )
        )


def _commentary_load(load: DemoLoad) -> None:
    """The published report's commentary for each section, as the quarter's commentary."""
    data = load.yaml("commentary_2024_25_q4.yaml")
    quarter = Quarter.parse(data["quarter"])
    for entry in data["commentaries"]:
        load.count(
            record_upsert(
                SectionCommentary,
                lookup={"section": entry["section"], "quarter": quarter},
                values={"text": entry["text"].strip()},
            )
        )


def _dashboards_rebuild(load: DemoLoad) -> None:
    """Rebuild the snapshots when the values changed (or none were ever built), so that a
    second run of the loader changes nothing."""
    values_changed = any(
        counts["created"] or counts["updated"]
        for label, counts in load.tally.items()
        if label in ("observations", "targets")
    )
    if values_changed or not DashboardSnapshot.objects.exists():
        # Derived rows, not loaded ones: reported apart from the loader's tally.
        snapshots_rebuild()
