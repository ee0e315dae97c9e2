"""The finance app's demo data: the Integrated Care Fund's 2021/22 pools and budget lines, the
variance thresholds and (illustrative) quarterly figures, the efficiency schemes, and the
quarters' sign-off (finance_2021_22.yaml, finance_2021_22_quarters.yaml,
finance_efficiency_2021_22.yaml)."""

from __future__ import annotations

from decimal import Decimal

from bury_hc.imports import import_batch_record
from bury_hc.models import ImportBatch
from bury_hc.periods import FinancialYear, Quarter
from demo.base import FILE_FORMAT, PENCE, DemoDataError, DemoLoad, pounds
from finance import services as finance_services
from finance.variance import Thresholds, variance_judge


def finance_load(load: DemoLoad) -> None:
    """The pools and lines, checked first; then figures, schemes and sign-offs."""
    name = "finance_2021_22.yaml"
    data = load.yaml(name)
    year = FinancialYear.parse(data["financial_year"])
    for pool_row in data["pools"]:  # check every pool before writing any
        total = sum((Decimal(line["annual_budget"]) for line in pool_row["lines"]), Decimal(0))
        if total != Decimal(pool_row["total"]):
            raise DemoDataError(
                f"{name}: the {pool_row['name']} lines add up to £{total:,}, "
                f"not £{Decimal(pool_row['total']):,}."
            )
    for pool_row in data["pools"]:
        lines = pool_row.pop("lines")
        pool_row.pop("total")
        pool = load.count(finance_services.budget_pool_upsert(**pool_row))
        for line in lines:
            where = f"{name} {line['service_area']}"
            programme = line.get("programme")
            if line["service_area"] in load.budget_lines:
                raise DemoDataError(f"{where}: the service area appears twice in the year.")
            load.budget_lines[line["service_area"]] = load.count(
                finance_services.budget_line_upsert(
                    pool=pool,
                    financial_year=year,
                    host_organisation=load.lookup(
                        load.organisations, line["host"], "organisation", where
                    ),
                    service_area=line["service_area"],
                    annual_budget=Decimal(line["annual_budget"]).quantize(Decimal("0.01")),
                    programme=(
                        load.lookup(load.programmes, programme, "programme", where)
                        if programme
                        else None
                    ),
                )
            )
    _positions_load(load)
    _efficiency_schemes_load(load)
    _sign_offs_load(load)


def _positions_load(load: DemoLoad) -> None:
    """The variance thresholds and the (illustrative) figures for each line and quarter,
    checked as a whole first, then loaded under one import batch for the file."""
    name = "finance_2021_22_quarters.yaml"
    data = load.yaml(name)
    year = FinancialYear.parse(data["financial_year"])
    thresholds = Thresholds(
        Decimal(str(data["thresholds"]["green_within_percent"])),
        Decimal(str(data["thresholds"]["amber_within_percent"])),
    )
    positions = []
    for row in data["positions"]:
        where = f"{name} {row['service_area']}"
        line = load.lookup(load.budget_lines, row["service_area"], "budget line", where)
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
    load.count(
        finance_services.variance_thresholds_set(
            financial_year=year,
            green_within_percent=thresholds.green_within_percent,
            amber_within_percent=thresholds.amber_within_percent,
        )
    )
    batch = load.count(
        import_batch_record(
            kind=ImportBatch.Kind.FINANCE,
            file_name=name,
            content=load.read_bytes(name),
            file_format=FILE_FORMAT,
            source=data["source"],
            row_count=len(positions),
            notes="Illustrative quarterly figures for the demo; not Bury's.",
        )
    )
    for position in positions:
        load.count(finance_services.quarterly_position_upsert(batch=batch, **position))


def _efficiency_schemes_load(load: DemoLoad) -> None:
    name = "finance_efficiency_2021_22.yaml"
    data = load.yaml(name)
    year = FinancialYear.parse(data["financial_year"])
    for order, row in enumerate(data["schemes"], start=1):
        where = f"{name} {row['name']}"
        illustrative = row.get("illustrative", {})
        as_at = illustrative.get("delivered_as_at")
        load.count(
            finance_services.efficiency_scheme_upsert(
                organisation=load.lookup(
                    load.organisations, row["organisation"], "organisation", where
                ),
                financial_year=year,
                name=row["name"],
                recurrence=row["recurrence"],
                target=pounds(row["target"]),
                identified=pounds(row.get("identified")),
                risk_adjusted=pounds(row.get("risk_adjusted")),
                delivered_to_date=pounds(illustrative.get("delivered_to_date")),
                delivered_as_at=Quarter.parse(as_at) if as_at else None,
                notes=" ".join(row.get("notes", "").split()),
                source=row.get("source", ""),
                order=order,
            )
        )


def _sign_offs_load(load: DemoLoad) -> None:
    """The quarters' sign-off, by the finance lead's demo account. Without demo accounts a
    quarter whose signer does not exist is left as it is (a draft in a new installation)."""
    name = "finance_2021_22_quarters.yaml"
    for row in load.yaml(name)["quarters"]:
        signer_name = row.get("signed_off_by")
        signer = None
        if signer_name:
            where = f"{name} {row['quarter']}"
            if load.with_demo_users:
                signer = load.lookup(load.users, signer_name, "user", where)
            else:
                signer = load.user_named(signer_name)
                if signer is None:
                    continue
        load.count(
            finance_services.finance_quarter_upsert(
                quarter=Quarter.parse(row["quarter"]),
                state=row["state"],
                signed_off_by=signer,
                signed_off_at=row.get("signed_off_at"),
            )
        )
