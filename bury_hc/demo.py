"""The Bury demo data: real figures from Bury's published documents, loaded from `fixtures/`.

`demo_load` reads the YAML and CSV files in the fixtures folder (and nothing else), checks each
file, and writes through the apps' services inside one transaction. It is idempotent: every row
is keyed on its natural key, so a second run creates nothing and changes nothing, and reports
so. What each file holds and where it came from: fixtures/README.md.

This module composes the apps; it is the one place in the project package that imports them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import models, transaction

from bury_hc.imports import (
    ImportRefused,
    TableFile,
    TableRow,
    columns_missing,
    decimal_parse,
    import_batch_record,
    table_read,
)
from bury_hc.models import ImportBatch
from bury_hc.periods import (
    FinancialYear,
    Period,
    PeriodParseError,
    PeriodType,
    Quarter,
    parse_period,
)
from bury_hc.roles import Role
from bury_hc.services import Change, m2m_ensure, record_upsert
from finance import services as finance_services
from finance.models import BudgetLine
from finance.variance import Thresholds, variance_judge
from performance import services as performance_services
from performance.models import (
    Area,
    ComparatorGroup,
    DashboardSnapshot,
    Measure,
    PublishedHighlight,
    SectionCommentary,
)
from performance.snapshots import snapshots_rebuild
from plans import services as plans_services
from plans.models import LocalityPlan, Organisation, PartnershipBody, StaffProfile
from programmes import services as programme_services
from programmes.models import Programme
from scrutiny import services as scrutiny_services

FILE_FORMAT = "bury-demo"
POLARITY_LETTERS = {"H": "higher", "L": "lower"}
FREQUENCY_LETTERS = {"Q": "quarterly", "A": "annual"}
DIRECTION_SYMBOLS = {
    "✓": PublishedHighlight.Direction.IMPROVING,
    "✗": PublishedHighlight.Direction.WORSENING,
    "": PublishedHighlight.Direction.NOT_STATED,
}


class DemoDataError(ValueError):
    """A fixture file that cannot be loaded; the message names the file and, where it can,
    the row."""


@dataclass(frozen=True)
class EntityChanges:
    """How many rows of one kind the load created, updated or left unchanged."""

    label: str
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class DemoUser:
    """A demo account. `password` is set only when this run generated one (new or reset)."""

    username: str
    role: Role
    full_name: str
    created: bool
    password: str | None


@dataclass(frozen=True)
class DemoLoadResult:
    """What a load did, kind by kind (in the order loaded), and the demo accounts."""

    fixtures_dir: Path
    changes: tuple[EntityChanges, ...]
    users: tuple[DemoUser, ...]

    @property
    def created(self) -> int:
        return sum(entity.created for entity in self.changes)

    @property
    def updated(self) -> int:
        return sum(entity.updated for entity in self.changes)

    @property
    def unchanged(self) -> int:
        return sum(entity.unchanged for entity in self.changes)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


@transaction.atomic
def demo_load(*, fixtures_dir: Path, reset_passwords: bool = False) -> DemoLoadResult:
    """Load (or re-load) the Bury demo data from `fixtures_dir`, all or nothing.

    Idempotent: rows are matched on natural keys and saved only where a value differs; an
    import batch is recorded once per distinct file. Demo users are created with a generated
    password, returned once in the result; existing users keep theirs unless
    `reset_passwords` is set. Raises `DemoDataError` (and writes nothing) if a file is wrong.
    """
    return _DemoLoad(Path(fixtures_dir), reset_passwords=reset_passwords).run()


class _DemoLoad:
    def __init__(self, fixtures_dir: Path, *, reset_passwords: bool) -> None:
        if not fixtures_dir.is_dir():
            raise DemoDataError(f"The fixtures folder {fixtures_dir} does not exist.")
        self.dir = fixtures_dir
        self.reset_passwords = reset_passwords
        self.tally: dict[str, Counter[str]] = {}
        self.plans: dict[str, LocalityPlan] = {}
        self.organisations: dict[str, Organisation] = {}
        self.bodies: dict[str, PartnershipBody] = {}
        self.programmes: dict[str, Programme] = {}
        self.areas: dict[str, Area] = {}
        self.groups: dict[str, ComparatorGroup] = {}
        self.measures: dict[str, Measure] = {}
        self.sources: dict[str, Any] = {}

    def run(self) -> DemoLoadResult:
        self.load_plans()
        self.load_programmes()
        self.load_milestones()
        self.load_reporting_cycles()
        self.load_areas()
        self.load_measures()
        self.load_observations()
        self.load_finance()
        self.load_committees()
        users = self.load_users()
        self.load_finance_sign_offs()
        self.load_commentary()
        self.load_pack_cover()
        self.rebuild_dashboards()
        return DemoLoadResult(
            fixtures_dir=self.dir,
            changes=tuple(
                EntityChanges(label, counts["created"], counts["updated"], counts["unchanged"])
                for label, counts in self.tally.items()
            ),
            users=users,
        )

    def load_commentary(self) -> None:
        """The published report's commentary for each section, as the quarter's commentary."""
        data = self.yaml("commentary_2024_25_q4.yaml")
        quarter = Quarter.parse(data["quarter"])
        for entry in data["commentaries"]:
            self.count(
                record_upsert(
                    SectionCommentary,
                    lookup={"section": entry["section"], "quarter": quarter},
                    values={"text": entry["text"].strip()},
                )
            )

    def rebuild_dashboards(self) -> None:
        """Rebuild the snapshots when the values changed (or none were ever built), so that a
        second run of the loader changes nothing."""
        values_changed = any(
            counts["created"] or counts["updated"]
            for label, counts in self.tally.items()
            if label in ("observations", "targets")
        )
        if values_changed or not DashboardSnapshot.objects.exists():
            # Derived rows, not loaded ones: reported apart from the loader's tally.
            self.snapshots_rebuilt = snapshots_rebuild()

    # --- bookkeeping -----------------------------------------------------------------------

    def count(self, result: tuple[models.Model, Change] | Change, label: str = "") -> Any:
        """Record a service's outcome under the model's plural name; return the row."""
        instance, change = result if isinstance(result, tuple) else (None, result)
        if not label and instance is not None:
            label = str(instance._meta.verbose_name_plural)
        self.tally.setdefault(label, Counter())[change] += 1
        return instance

    def yaml(self, name: str) -> dict[str, Any]:
        path = self.dir / name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DemoDataError(f"{name} is missing from {self.dir}.") from exc
        except yaml.YAMLError as exc:
            raise DemoDataError(f"{name} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise DemoDataError(f"{name} should hold a mapping at the top level.")
        return data

    def table(self, name: str, required: list[str]) -> tuple[bytes, TableFile]:
        """Read a CSV with the project's import reader; refuse it if it lacks a column."""
        try:
            content = (self.dir / name).read_bytes()
        except FileNotFoundError as exc:
            raise DemoDataError(f"{name} is missing from {self.dir}.") from exc
        try:
            table = table_read(content=content, file_name=name)
        except ImportRefused as exc:
            problems = "; ".join(str(problem) for problem in exc.problems)
            raise DemoDataError(f"{name}: {problems}") from exc
        missing = columns_missing(table, required)
        if missing:
            raise DemoDataError(f"{name}: " + "; ".join(str(problem) for problem in missing))
        return content, table

    def lookup[K, T](self, table: dict[K, T], key: K, what: str, where: str) -> T:
        try:
            return table[key]
        except KeyError:
            raise DemoDataError(f"{where}: no {what} “{key}” is defined.") from None

    # --- plans ------------------------------------------------------------------------------

    def load_plans(self) -> None:
        data = self.yaml("plans.yaml")
        for row in data["organisations"]:
            organisation = self.count(plans_services.organisation_upsert(**row))
            self.organisations[organisation.short_name] = organisation
        for row in data["plans"]:
            items = {
                key: row.pop(key)
                for key in ("objectives", "outcomes", "working_principles", "priorities")
            }
            plan = self.count(plans_services.plan_upsert(**row))
            self.plans[plan.short_name] = plan
            for number, text in enumerate(items["objectives"], start=1):
                self.count(plans_services.objective_upsert(plan=plan, number=number, text=text))
            for number, text in enumerate(items["outcomes"], start=1):
                self.count(plans_services.outcome_upsert(plan=plan, number=number, text=text))
            for number, text in enumerate(items["working_principles"], start=1):
                self.count(
                    plans_services.working_principle_upsert(plan=plan, number=number, text=text)
                )
            for number, priority in enumerate(items["priorities"], start=1):
                self.count(plans_services.priority_upsert(plan=plan, number=number, **priority))
        for order, row in enumerate(data["neighbourhood_teams"], start=1):
            self.count(plans_services.neighbourhood_team_upsert(order=order, **row))
        for order, row in enumerate(data["partnership_bodies"], start=1):
            reports_to = row.pop("reports_to")
            if reports_to:
                reports_to = self.lookup(self.bodies, reports_to, "partnership body", "plans.yaml")
            body = self.count(
                plans_services.partnership_body_upsert(order=order, reports_to=reports_to, **row)
            )
            self.bodies[body.slug] = body

    # --- programmes and milestones ----------------------------------------------------------

    def load_programmes(self) -> None:
        data = self.yaml("programmes.yaml")
        plan = self.lookup(self.plans, data["priorities_plan"], "plan", "programmes.yaml")
        priorities = {priority.number: priority for priority in plan.priorities.all()}
        for row in data["programmes"]:
            numbers = row.pop("priorities", [])
            programme = self.count(
                programme_services.programme_upsert(
                    priorities=[
                        self.lookup(priorities, n, "priority", f"programmes.yaml {row['slug']}")
                        for n in numbers
                    ],
                    **row,
                )
            )
            self.programmes[programme.slug] = programme

    def load_milestones(self) -> None:
        data = self.yaml("milestones_2022_23.yaml")
        year = FinancialYear.parse(data["financial_year"])
        for row in data["rows"]:
            description = " ".join(row["priority"].split())
            for slug in row["programmes"]:
                programme = self.lookup(
                    self.programmes, slug, "programme", "milestones_2022_23.yaml"
                )
                for quarter_label, deliverables in row["deliverables"].items():
                    quarter = Quarter(year.start_year, int(quarter_label.removeprefix("Q")))
                    for deliverable in deliverables:
                        # A deliverable is its text, or {title, details} when too long for a title.
                        item = (
                            {"title": deliverable} if isinstance(deliverable, str) else deliverable
                        )
                        details = item.get("details")
                        self.count(
                            programme_services.milestone_upsert(
                                programme=programme,
                                title=item["title"],
                                due_quarter=quarter,
                                description="\n\n".join(filter(None, [description, details])),
                                source=data["source"],
                            )
                        )
        data = self.yaml("milestones_2024_25.yaml")
        for row in data["milestones"]:
            where = f"milestones_2024_25.yaml “{row['title']}”"
            try:
                due = Quarter.parse(row["due"])
            except PeriodParseError as exc:
                raise DemoDataError(f"{where}: {exc}") from exc
            self.count(
                programme_services.milestone_upsert(
                    programme=self.lookup(self.programmes, row["programme"], "programme", where),
                    title=row["title"],
                    due_quarter=due,
                    description=" ".join(row["description"].split()),
                    source=data["source"],
                )
            )

    def load_reporting_cycles(self) -> None:
        name = "reporting_cycles.yaml"
        for row in self.yaml(name)["cycles"]:
            where = f"{name} {row.get('quarter')}"
            try:
                quarter = Quarter.parse(str(row["quarter"]))
            except PeriodParseError as exc:
                raise DemoDataError(f"{where}: {exc}") from exc
            if row["deadline"] < row["opens_on"]:
                raise DemoDataError(f"{where}: the deadline is before the cycle opens.")
            self.count(
                programme_services.reporting_cycle_upsert(
                    quarter=quarter,
                    opens_on=row["opens_on"],
                    deadline=row["deadline"],
                    is_open=row.get("is_open", True),
                )
            )

    # --- areas and measures -----------------------------------------------------------------

    def load_areas(self) -> None:
        data = self.yaml("areas.yaml")
        for row in data["areas"]:
            region_code = row.pop("region", None)
            region = (
                self.lookup(self.areas, region_code, "area", "areas.yaml") if region_code else None
            )
            area = self.count(performance_services.area_upsert(region=region, **row))
            self.areas[area.ons_code] = area
        for row in data["comparator_groups"]:
            members = [
                self.lookup(self.areas, code, "area", f"areas.yaml {row['slug']}")
                for code in row.pop("members")
            ]
            group = self.count(performance_services.comparator_group_upsert(members=members, **row))
            self.groups[group.slug] = group

    def load_measures(self) -> None:
        data = self.yaml("measures.yaml")
        self.sources = data["sources"]
        groups = {}
        for row in data["measure_groups"]:
            group = self.count(performance_services.measure_group_upsert(**row))
            groups[group.name] = group
        for row in data["measures"]:
            where = f"measures.yaml {row['code']}"
            group = self.lookup(groups, row.pop("group"), "measure group", where)
            programmes = [
                self.lookup(self.programmes, slug, "programme", where)
                for slug in row.pop("programmes", [])
            ]
            highlight_order = row.pop("highlight_order", 0)
            measure = self.count(
                performance_services.measure_upsert(
                    group=group,
                    programmes=programmes,
                    in_highlight_report=bool(highlight_order),
                    highlight_order=highlight_order,
                    **row,
                )
            )
            self.measures[measure.code] = measure

    # --- observations: three tables of the ASC performance report ---------------------------

    def load_observations(self) -> None:
        """The measure values, through the application's own importers, as any file would be:
        checked as a whole, recorded under an import batch per file (its SHA-256, source and
        publication date), revised values kept, and a second run changing nothing. Three
        tables of the report are read through mappings (kept on their batches); the others were
        copied into the long template."""
        gm_config = self.sources["gm_waiting_list"]
        highlight_config = self.sources["highlight_report"]
        services_config = self.sources["longterm_services"]
        highlights = self.read_highlight_report(self.gm_values(gm_config))
        self.check_longterm_services(services_config)
        imports: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
            (gm_config, self.gm_waiting_list_mapping(gm_config)),
            (highlight_config, self.highlight_mapping(highlight_config)),
            (services_config, self.longterm_services_mapping(services_config)),
            *((config, None) for config in self.sources["template_tables"]),
        ]
        for config, mapping in imports:
            name = config["file"]
            try:
                content = (self.dir / name).read_bytes()
            except FileNotFoundError as exc:
                raise DemoDataError(f"{name} is missing from {self.dir}.") from exc
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
            counts = self.tally.setdefault("observations", Counter())
            counts["created"] += outcome.plan.new
            counts["updated"] += outcome.plan.revised
            counts["unchanged"] += outcome.plan.unchanged
            self.count(outcome.batch_change, label="import batches")
        self.write_highlights(highlights)

    def gm_values(self, config: dict[str, Any]) -> dict[tuple[str, str], Decimal | None]:
        """The Greater Manchester comparison's values, by measure and area, to check the
        highlight report against."""
        columns: dict[str, str] = config["columns"]
        _, table = self.table(config["file"], ["snapshot", "area_code", *columns])
        return {
            (code, row.get("area_code")): self.number(row.get(column), table, row.number, column)
            for row in table
            for column, code in columns.items()
        }

    def gm_waiting_list_mapping(self, config: dict[str, Any]) -> dict[str, Any]:
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

    def highlight_mapping(self, config: dict[str, Any]) -> dict[str, Any]:
        """One row per measure, found by its name; the period by the frequency column
        (quarterly: the quarter; annual: the financial year). The two waiting-list rows are left
        out: their values come from the Greater Manchester comparison."""
        from_gm = {self.measures[code].name: "" for code in config["values_from_gm_waiting_list"]}
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

    def longterm_services_mapping(self, config: dict[str, Any]) -> dict[str, Any]:
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

    def read_highlight_report(
        self, from_gm: dict[tuple[str, str], Decimal | None]
    ) -> list[dict[str, Any]]:
        """The published highlight rows and ranks, checked against measures.yaml and the
        Greater Manchester comparison (the values themselves are imported as a file)."""
        config = self.sources["highlight_report"]
        rank_columns: dict[str, dict[str, Any]] = config["rank_columns"]
        _, table = self.table(
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
        area = self.lookup(self.areas, config["area"], "area", "measures.yaml")
        quarter = Quarter.parse(config["quarter"])
        by_name = {m.name: m for m in self.measures.values() if m.in_highlight_report}
        highlights = []
        for row in table:
            where = f"{table.file_name} row {row.number}"
            name = row.get("performance_measure")
            measure = self.lookup(by_name, name, "highlight measure", where)
            self.check_highlight_row(measure, row, where)
            published = row.get("latest_data")
            value = self.number(published, table, row.number, "latest_data")
            if measure.code in config["values_from_gm_waiting_list"]:
                loaded = from_gm.get((measure.code, area.ons_code))
                if loaded != value:
                    raise DemoDataError(
                        f"{where}: the published value {published} differs from "
                        f"{area.name}'s value in {self.sources['gm_waiting_list']['file']} "
                        f"({loaded})."
                    )
            ranks = []
            for column, rank_config in rank_columns.items():
                rank = self.number(row.get(column), table, row.number, column)
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

    def check_highlight_row(self, measure: Measure, row: TableRow, where: str) -> None:
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

    def write_highlights(self, rows: list[dict[str, Any]]) -> None:
        source = self.sources["highlight_report"]["source"]
        for row in rows:
            highlight = self.count(
                performance_services.published_highlight_upsert(
                    measure=row["measure"],
                    quarter=row["quarter"],
                    latest_value_as_published=row["text"],
                    direction=row["direction"],
                    source=source,
                )
            )
            for rank in row["ranks"]:
                self.count(
                    performance_services.published_rank_upsert(
                        highlight=highlight,
                        comparator_group=self.lookup(
                            self.groups, rank["group"], "comparator group", "measures.yaml"
                        ),
                        rank=rank["rank"],
                        out_of=rank["out_of"],
                        as_at=rank["as_at"],
                    )
                )

    def check_longterm_services(self, config: dict[str, Any]) -> None:
        """The table prints residential placements twice ("Residential" and "Residential
        Placement"): refuse the file if the two ever differ, since only one is imported."""
        series: dict[str, str] = config["series"]
        _, table = self.table(config["file"], ["service_type"])
        months = [name for name in table.headers if name != "service_type"]
        seen: dict[str, TableRow] = {}
        for row in table:
            where = f"{table.file_name} row {row.number}"
            label = row.get("service_type")
            code = self.lookup(series, label, "series", where)
            first = seen.setdefault(code, row)
            if first is not row and [first.get(m) for m in months] != [row.get(m) for m in months]:
                raise DemoDataError(
                    f"{where}: “{label}” should repeat row {first.number} "
                    f"(“{first.get('service_type')}”) but its figures differ."
                )

    def period(self, text: str, where: str, expected: PeriodType) -> Period:
        try:
            period = parse_period(text)
        except PeriodParseError as exc:
            raise DemoDataError(f"{where}: {exc}") from exc
        if period.type != expected:
            raise DemoDataError(f"{where}: “{text}” should be a {expected.label.lower()}.")
        return period

    def number(self, text: str, table: TableFile, row: int, column: str) -> Decimal | None:
        value, problem = decimal_parse(text, row=row, column=column)
        if problem:
            raise DemoDataError(f"{table.file_name}: {problem}")
        return value

    # --- finance ----------------------------------------------------------------------------

    def load_finance(self) -> None:
        name = "finance_2021_22.yaml"
        data = self.yaml(name)
        year = FinancialYear.parse(data["financial_year"])
        for pool_row in data["pools"]:  # check every pool before writing any
            total = sum((Decimal(line["annual_budget"]) for line in pool_row["lines"]), Decimal(0))
            if total != Decimal(pool_row["total"]):
                raise DemoDataError(
                    f"{name}: the {pool_row['name']} lines add up to £{total:,}, "
                    f"not £{Decimal(pool_row['total']):,}."
                )
        self.budget_lines: dict[str, BudgetLine] = {}
        for pool_row in data["pools"]:
            lines = pool_row.pop("lines")
            pool_row.pop("total")
            pool = self.count(finance_services.budget_pool_upsert(**pool_row))
            for line in lines:
                where = f"{name} {line['service_area']}"
                programme = line.get("programme")
                if line["service_area"] in self.budget_lines:
                    raise DemoDataError(f"{where}: the service area appears twice in the year.")
                self.budget_lines[line["service_area"]] = self.count(
                    finance_services.budget_line_upsert(
                        pool=pool,
                        financial_year=year,
                        host_organisation=self.lookup(
                            self.organisations, line["host"], "organisation", where
                        ),
                        service_area=line["service_area"],
                        annual_budget=Decimal(line["annual_budget"]).quantize(Decimal("0.01")),
                        programme=(
                            self.lookup(self.programmes, programme, "programme", where)
                            if programme
                            else None
                        ),
                    )
                )
        self.load_finance_quarters()
        self.load_efficiency_schemes()

    def load_finance_quarters(self) -> None:
        """The variance thresholds and the (illustrative) figures for each line and quarter,
        checked as a whole first, then loaded under one import batch for the file."""
        name = "finance_2021_22_quarters.yaml"
        data = self.yaml(name)
        year = FinancialYear.parse(data["financial_year"])
        thresholds = Thresholds(
            Decimal(str(data["thresholds"]["green_within_percent"])),
            Decimal(str(data["thresholds"]["amber_within_percent"])),
        )
        positions = []
        for row in data["positions"]:
            where = f"{name} {row['service_area']}"
            line = self.lookup(self.budget_lines, row["service_area"], "budget line", where)
            for label, figures in row.items():
                if label == "service_area":
                    continue
                quarter = Quarter(year.start_year, int(str(label).removeprefix("Q")))
                position = {
                    "line": line,
                    "quarter": quarter,
                    "budget": line.annual_budget,
                    "actual_to_date": Decimal(figures["actual_to_date"]).quantize(PENCE),
                    "forecast_outturn": Decimal(figures["forecast_outturn"]).quantize(PENCE),
                    "explanation": " ".join(figures.get("explanation", "").split()),
                }
                variance = variance_judge(
                    budget=position["budget"],
                    forecast=position["forecast_outturn"],
                    thresholds=thresholds,
                )
                if variance.needs_explanation and not position["explanation"]:
                    raise DemoDataError(
                        f"{where} {quarter.label}: beyond the amber threshold, so it needs an "
                        "explanation."
                    )
                positions.append(position)
        self.count(
            finance_services.variance_thresholds_set(
                financial_year=year,
                green_within_percent=thresholds.green_within_percent,
                amber_within_percent=thresholds.amber_within_percent,
            )
        )
        batch = self.count(
            import_batch_record(
                kind=ImportBatch.Kind.FINANCE,
                file_name=name,
                content=(self.dir / name).read_bytes(),
                file_format=FILE_FORMAT,
                source=data["source"],
                row_count=len(positions),
                notes="Illustrative quarterly figures for the demo; not Bury's.",
            )
        )
        for position in positions:
            self.count(finance_services.quarterly_position_upsert(batch=batch, **position))

    def load_efficiency_schemes(self) -> None:
        name = "finance_efficiency_2021_22.yaml"
        data = self.yaml(name)
        year = FinancialYear.parse(data["financial_year"])
        for order, row in enumerate(data["schemes"], start=1):
            where = f"{name} {row['name']}"
            illustrative = row.get("illustrative", {})
            as_at = illustrative.get("delivered_as_at")
            self.count(
                finance_services.efficiency_scheme_upsert(
                    organisation=self.lookup(
                        self.organisations, row["organisation"], "organisation", where
                    ),
                    financial_year=year,
                    name=row["name"],
                    recurrence=row["recurrence"],
                    target=_pounds(row["target"]),
                    identified=_pounds(row.get("identified")),
                    risk_adjusted=_pounds(row.get("risk_adjusted")),
                    delivered_to_date=_pounds(illustrative.get("delivered_to_date")),
                    delivered_as_at=Quarter.parse(as_at) if as_at else None,
                    notes=" ".join(row.get("notes", "").split()),
                    source=row.get("source", ""),
                    order=order,
                )
            )

    def load_finance_sign_offs(self) -> None:
        """The quarters' sign-off, once the finance lead's account exists."""
        name = "finance_2021_22_quarters.yaml"
        for row in self.yaml(name)["quarters"]:
            signer = row.get("signed_off_by")
            self.count(
                finance_services.finance_quarter_upsert(
                    quarter=Quarter.parse(row["quarter"]),
                    state=row["state"],
                    signed_off_by=(
                        self.lookup(self.users, signer, "user", f"{name} {row['quarter']}")
                        if signer
                        else None
                    ),
                    signed_off_at=row.get("signed_off_at"),
                )
            )

    # --- committees -------------------------------------------------------------------------

    def load_committees(self) -> None:
        data = self.yaml("committees.yaml")
        committees = {}
        for row in data["committees"]:
            members = row.pop("members")
            body = row.pop("partnership_body")
            committee = self.count(
                scrutiny_services.committee_upsert(
                    partnership_body=(
                        self.lookup(self.bodies, body, "partnership body", "committees.yaml")
                        if body
                        else None
                    ),
                    **row,
                )
            )
            committees[committee.slug] = committee
            for order, member in enumerate(members, start=1):
                self.count(
                    scrutiny_services.committee_member_upsert(
                        committee=committee, order=order, **member
                    )
                )
        for row in data["meetings"]:
            starts_at = dt.datetime.combine(
                row["date"], dt.time.fromisoformat(row["time"]), tzinfo=ZoneInfo(row["time_zone"])
            )
            meeting = self.count(
                scrutiny_services.meeting_upsert(
                    committee=self.lookup(
                        committees, row["committee"], "committee", "committees.yaml"
                    ),
                    starts_at=starts_at,
                    place=row["place"],
                )
            )
            for item in row["agenda_items"]:
                self.count(scrutiny_services.agenda_item_upsert(meeting=meeting, **item))

    def load_pack_cover(self) -> None:
        """The Q4 2024/25 performance report's cover, as a draft pack for the 19 June 2025
        meeting (never changes a published pack)."""
        row = self.yaml("pack_cover_2024_25_q4.yaml")["pack"]
        officer = get_user_model().objects.filter(username="scrutiny.officer").first()
        self.count(
            scrutiny_services.pack_draft_upsert(
                committee_slug=row["committee"],
                meeting_date=row["meeting_date"],
                agenda_number=row["agenda_item"],
                title=row["title"],
                quarter=Quarter.parse(row["quarter"]),
                sections=row["sections"],
                cover=row["cover"],
                by=officer,
            ),
            "committee pack",
        )

    # --- users ------------------------------------------------------------------------------

    def load_users(self) -> tuple[DemoUser, ...]:
        data = self.yaml("users.yaml")
        users = []
        self.users: dict[str, AbstractUser] = {}
        for row in data["users"]:
            role = Role(row["role"])
            user, demo_user = self.user_ensure(row, role)
            users.append(demo_user)
            self.users[row["username"]] = user
            if row.get("organisation"):
                organisation = self.lookup(
                    self.organisations, row["organisation"], "organisation", "users.yaml"
                )
                self.count(
                    record_upsert(
                        StaffProfile, lookup={"user": user}, values={"organisation": organisation}
                    )
                )
            leads = self.programmes_named(row.get("leads", []), row["username"])
            approves = self.programmes_named(row.get("approves", []), row["username"])
            for programme in self.programmes.values():
                if programme in leads or programme in approves:
                    self.count(
                        programme_services.programme_people_add(
                            programme=programme,
                            leads=[user] if programme in leads else [],
                            approvers=[user] if programme in approves else [],
                        ),
                        label="programme leads and approvers",
                    )
        return tuple(users)

    def programmes_named(self, slugs: list[str] | str, username: str) -> list[Programme]:
        if slugs == "all":
            return list(self.programmes.values())
        return [
            self.lookup(self.programmes, slug, "programme", f"users.yaml {username}")
            for slug in slugs
        ]

    def user_ensure(self, row: dict[str, Any], role: Role) -> tuple[AbstractUser, DemoUser]:
        """Create the account with a generated password, or bring an existing one's names,
        flags and role up to date, keeping its password unless passwords are being reset."""
        user_model = get_user_model()
        values = {
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "email": row.get("email", ""),
            "is_staff": row.get("is_staff", False),
            "is_superuser": row.get("is_superuser", False),
        }
        user = user_model.objects.filter(username=row["username"]).first()
        created = user is None
        if created:
            user = user_model(username=row["username"], **values)
        changed = [name for name, value in values.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, values[name])
        password = None
        if created or self.reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
        if created:
            user.save()
        elif changed or password:
            user.save(update_fields=[*changed, *(["password"] if password else [])])
        group, _ = Group.objects.get_or_create(name=role.value)
        in_group = m2m_ensure(user, field="groups", targets=[group], exact=False)
        change: Change = (
            "created" if created else "updated" if changed or password or in_group else "unchanged"
        )
        self.count((user, change), label="users")
        return user, DemoUser(
            username=user.get_username(),
            role=role,
            full_name=user.get_full_name(),
            created=created,
            password=password,
        )


PENCE = Decimal("0.01")


def _pounds(value: int | str | None) -> Decimal | None:
    """A whole-pound amount from a fixture as Decimal pounds and pence (blank stays blank)."""
    return None if value is None else Decimal(str(value)).quantize(PENCE)
