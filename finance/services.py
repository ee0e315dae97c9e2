"""Writes to the Integrated Care Fund: pools, budget lines, quarterly positions, the quarter's
sign-off, the variance thresholds and the efficiency schemes.

Money is `Decimal` pounds. The `*_upsert` functions are keyed on natural keys and idempotent:
they create what is missing, save only fields whose values differ, and report "created",
"updated" or "unchanged". They are for loaders (the demo data, the upload) and do not check
who may write; the entry points used by people (`position_save`, `positions_import`,
`finance_quarter_sign_off`, `finance_quarter_reopen`, `variance_thresholds_set`) are atomic,
refuse changes to a signed-off quarter, and record who made each change in the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bury_hc.imports import (
    ImportProblem,
    ImportRefused,
    TableFile,
    TableRow,
    columns_missing,
    decimal_parse,
    import_batch_record,
    table_read,
)
from bury_hc.models import FileUpload, ImportBatch
from bury_hc.numbers import NumberFormat
from bury_hc.periods import FinancialYear, PeriodParseError, Quarter
from bury_hc.services import Change, StaleEdit, record_upsert, versioned_update
from finance.models import (
    BudgetLine,
    BudgetPool,
    EfficiencyScheme,
    FinanceQuarter,
    QuarterlyFinancialPosition,
    VarianceThresholds,
)
from finance.selectors import quarter_sign_off_problems, variance_thresholds_for
from finance.variance import explanation_prompt, variance_judge
from plans.models import Organisation
from programmes.models import Programme

__all__ = ["StaleEdit"]  # re-exported: views catch it from here

# Pounds as the budget columns hold them (DecimalField 14, 2): below £1,000,000,000,000, pence.
MONEY_FORMAT = NumberFormat.for_field(
    QuarterlyFinancialPosition._meta.get_field("budget"), percent=False
)
MONEY_PLACES = Decimal("0.01")
MONEY_LIMIT = MONEY_FORMAT.limit
UPLOAD_FORMAT = "finance-quarter"
UPLOAD_COLUMNS = (
    "Quarter",
    "Pool",
    "Organisation",
    "Service area",
    "Budget",
    "Actual to date",
    "Forecast outturn",
    "Explanation",
)


class QuarterLocked(Exception):
    """The quarter has been signed off: its figures cannot change until it is reopened."""

    def __init__(self, finance_quarter: FinanceQuarter) -> None:
        self.finance_quarter = finance_quarter
        who = finance_quarter.signed_off_by
        name = (who.get_full_name() or who.get_username()) if who else "the finance lead"
        signed_at = finance_quarter.signed_off_at
        on = f" on {timezone.localtime(signed_at):%-d %B %Y}" if signed_at else ""
        super().__init__(
            f"{finance_quarter.quarter.label} was signed off by {name}{on}, so its figures "
            "cannot be changed. Ask the finance lead to reopen the quarter first."
        )


class ExplanationMissing(ValueError):
    """A line beyond the amber threshold was saved without saying why."""


class SignOffRefused(Exception):
    """The quarter cannot be signed off (or reopened) yet; `problems` says why."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


# --- pools and lines (loaders) -------------------------------------------------------------


def budget_pool_upsert(
    *, pool_type: BudgetPool.Type | str, name: str, description: str, order: int = 0
) -> tuple[BudgetPool, Change]:
    """Create or update the pool of this type (pooled, aligned or in view)."""
    return record_upsert(
        BudgetPool,
        lookup={"pool_type": BudgetPool.Type(pool_type)},
        values={"name": name, "description": description, "order": order},
    )


def budget_line_upsert(
    *,
    pool: BudgetPool,
    financial_year: FinancialYear,
    host_organisation: Organisation,
    service_area: str,
    annual_budget: Decimal,
    programme: Programme | None = None,
    batch: ImportBatch | None = None,
) -> tuple[BudgetLine, Change]:
    """Create or update a pool's budget line for a year, host and service area."""
    return record_upsert(
        BudgetLine,
        lookup={
            "pool": pool,
            "financial_year": financial_year,
            "host_organisation": host_organisation,
            "service_area": service_area,
        },
        values={"annual_budget": annual_budget, "programme": programme, "batch": batch},
    )


def quarterly_position_upsert(
    *,
    line: BudgetLine,
    quarter: Quarter,
    budget: Decimal,
    actual_to_date: Decimal,
    forecast_outturn: Decimal,
    explanation: str = "",
    batch: ImportBatch | None = None,
    by: User | None = None,
    change_reason: str = "",
) -> tuple[QuarterlyFinancialPosition, Change]:
    """Create or update a line's figures for a quarter; unchanged figures are left alone.

    An update moves the version on (so a browser form opened before it is refused as stale),
    points the position at `batch`, and is recorded in the history with `by` and the reason.
    Does not check the quarter's sign-off: callers that people use do (`positions_import`).
    Not atomic by itself.
    """
    figures = {
        "budget": budget,
        "actual_to_date": actual_to_date,
        "forecast_outturn": forecast_outturn,
        "explanation": explanation.strip(),
    }
    position = QuarterlyFinancialPosition.objects.filter(line=line, quarter=quarter).first()
    if position is None:
        position = QuarterlyFinancialPosition(
            line=line, quarter=quarter, batch=batch, updated_by=by, **figures
        )
        _history_note(position, by=by, reason=change_reason)
        position.save()
        return position, "created"
    if all(getattr(position, name) == value for name, value in figures.items()):
        return position, "unchanged"
    position = versioned_update(
        position,
        expected_version=position.version,
        values={**figures, "batch": batch, "updated_by": by, **_history_values(by, change_reason)},
    )
    return position, "updated"


# --- people's edits ------------------------------------------------------------------------


@transaction.atomic
def position_save(
    *,
    line: BudgetLine,
    quarter: Quarter,
    budget: Decimal,
    actual_to_date: Decimal,
    forecast_outturn: Decimal,
    explanation: str,
    by: User,
    expected_version: int | None,
) -> QuarterlyFinancialPosition:
    """Save a line's figures for a quarter, as entered in the browser. Atomic.

    `expected_version` is the version the form was opened at (None: the line had no figures
    for the quarter). If someone saved since, raises `StaleEdit` and writes nothing, so their
    figures are not lost. Raises `QuarterLocked` if the quarter is signed off, and
    `ExplanationMissing` for a red line without an explanation. Saving the figures already
    held changes nothing. The position no longer points at an import batch: its figures now
    come from the browser, and the history says who entered them.
    """
    if line.financial_year != quarter.financial_year:
        raise ValueError(f"{line} is a {line.financial_year} line, not one for {quarter}.")
    _quarter_lock(quarter)
    _explanation_check(
        line=line, budget=budget, forecast_outturn=forecast_outturn, explanation=explanation
    )
    figures = {
        "budget": budget,
        "actual_to_date": actual_to_date,
        "forecast_outturn": forecast_outturn,
        "explanation": explanation.strip(),
    }
    current = QuarterlyFinancialPosition.objects.filter(line=line, quarter=quarter).first()
    if current is None:
        if expected_version is not None:  # pragma: no cover - positions are never deleted
            raise ValueError("The figures being edited no longer exist.")
        position = QuarterlyFinancialPosition(line=line, quarter=quarter, updated_by=by, **figures)
        _history_note(position, by=by, reason="Entered in the browser")
        try:
            with transaction.atomic():
                position.save()
        except IntegrityError:  # someone else entered the quarter's first figures meanwhile
            raise StaleEdit(
                QuarterlyFinancialPosition.objects.get(line=line, quarter=quarter)
            ) from None
        return position
    if expected_version is None or current.version != expected_version:
        raise StaleEdit(current)
    if all(getattr(current, name) == value for name, value in figures.items()):
        return current
    return versioned_update(
        current,
        expected_version=expected_version,
        values={
            **figures,
            "batch": None,
            "updated_by": by,
            **_history_values(by, "Entered in the browser"),
        },
    )


@dataclass(frozen=True)
class ImportOutcome:
    """What an upload did: its batch, and how many positions it created, updated or left."""

    batch: ImportBatch
    created: int
    updated: int
    unchanged: int

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self, *, file_name: str, quarter: Quarter) -> str:
        """What the upload did, as the officer is told it."""
        if not self.changed_anything:
            return f"{file_name} holds the figures already saved: nothing changed."
        return (
            f"{file_name} loaded for {quarter.label}: {self.created} lines added, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        )


STALE_UPLOAD_MESSAGE = (
    "Someone saved figures for one of these lines while your file was loading, so nothing from "
    "the file was saved. Upload it again."
)


@dataclass(frozen=True)
class _PositionRow:
    line: BudgetLine
    budget: Decimal
    actual_to_date: Decimal
    forecast_outturn: Decimal
    explanation: str


@transaction.atomic
def positions_import(
    *,
    quarter: Quarter,
    content: bytes,
    file_name: str,
    organisation: Organisation,
    by: User,
) -> ImportOutcome:
    """Load a quarter's figures for `organisation`'s budget lines from a CSV or Excel file.

    All or nothing: the whole file is checked first (headings, then every row: the quarter,
    the line it names, that the line is the organisation's, the numbers, and an explanation
    for every line beyond the amber threshold); any problem raises `ImportRefused`, naming
    row and column, and nothing is written. A clean file is recorded as an `ImportBatch` and
    its rows upserted. Idempotent: the same file again changes nothing (and adds no batch); a
    revised file updates the lines whose figures differ, and the history shows it. Raises
    `QuarterLocked` if the quarter is signed off, and `StaleEdit` if a line changes under it.
    """
    table = table_read(content=content, file_name=file_name)
    missing = columns_missing(table, UPLOAD_COLUMNS)
    if missing:
        raise ImportRefused(missing)
    _quarter_lock(quarter)
    rows = _position_rows_read(table, quarter=quarter, organisation=organisation)
    suffix = PurePath(file_name).suffix.lower().lstrip(".") or "csv"
    batch, _ = import_batch_record(
        kind=ImportBatch.Kind.FINANCE,
        file_name=file_name,
        content=content,
        file_format=f"{UPLOAD_FORMAT}-{suffix}",
        source=f"{organisation.name} finance team",
        row_count=len(rows),
        notes=f"Quarterly figures for {quarter.label}",
        imported_by=by,
    )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        _, change = quarterly_position_upsert(
            line=row.line,
            quarter=quarter,
            budget=row.budget,
            actual_to_date=row.actual_to_date,
            forecast_outturn=row.forecast_outturn,
            explanation=row.explanation,
            batch=batch,
            by=by,
            change_reason=f"Uploaded in {file_name}",
        )
        counts[change] += 1
    return ImportOutcome(batch=batch, **counts)


def positions_import_from_upload(upload: FileUpload, content: bytes) -> dict[str, str]:
    """`positions_import` for a file a worker reads (`bury_hc.uploads.file_upload_run`): the
    upload's parameters name the quarter and organisation. A signed-off quarter, or a line
    saved by someone while the file loaded, refuses the file (ImportRefused), as a problem in
    it would. Returns what to tell the officer, and the page to show them."""
    quarter = Quarter.from_code(upload.parameters["quarter"])
    organisation = Organisation.objects.get(pk=upload.parameters["organisation"])
    try:
        outcome = positions_import(
            quarter=quarter,
            content=content,
            file_name=upload.file_name,
            organisation=organisation,
            by=upload.created_by,
        )
    except QuarterLocked as exc:
        raise ImportRefused([ImportProblem(None, None, str(exc))]) from exc
    except StaleEdit as exc:
        raise ImportRefused([ImportProblem(None, None, STALE_UPLOAD_MESSAGE)]) from exc
    return {
        "message": outcome.summary(file_name=upload.file_name, quarter=quarter),
        "next": reverse("finance:entry", kwargs={"quarter": quarter}),
    }


def _position_rows_read(
    table: TableFile, *, quarter: Quarter, organisation: Organisation
) -> list[_PositionRow]:
    """Check every row; return them all, or raise ImportRefused with every problem."""
    if not len(table):
        raise ImportRefused([ImportProblem(None, None, "The file has headings but no rows.")])
    checker = _PositionRowChecker(table, quarter=quarter, organisation=organisation)
    rows = [checked for row in table if (checked := checker.check(row)) is not None]
    if checker.problems:
        raise ImportRefused(checker.problems)
    return rows


class _PositionRowChecker:
    """Checks an upload's rows one by one, remembering the lines already given."""

    def __init__(self, table: TableFile, *, quarter: Quarter, organisation: Organisation):
        heading = {name.lower(): name for name in table.headers}
        self.column = {name: heading[name.lower()] for name in UPLOAD_COLUMNS}
        self.quarter, self.organisation = quarter, organisation
        self.lines = _lines_by_key(quarter.financial_year)
        self.thresholds = variance_thresholds_for(financial_year=quarter.financial_year)
        self.seen: dict[int, int] = {}
        self.problems: list[ImportProblem] = []

    def check(self, row: TableRow) -> _PositionRow | None:
        """The row's figures, or None (its problems added to `problems`)."""
        found: list[ImportProblem] = []

        def problem(name: str, message: str) -> None:
            found.append(ImportProblem(row.number, name, message))

        text = {name: row.get(self.column[name]) for name in UPLOAD_COLUMNS}
        self._quarter_check(text["Quarter"], problem)
        line = _line_find(self.lines, text, problem, self.quarter.financial_year)
        if line is not None:
            self._line_check(line, row.number, problem)
        numbers = {
            name: _money_read(text[name], row=row.number, column=name, problems=found)
            for name in ("Budget", "Actual to date", "Forecast outturn")
        }
        if numbers["Budget"] is not None and numbers["Budget"] < 0:
            problem("Budget", "The budget cannot be negative.")
        if not found and line is not None:
            # No problem found: _money_read read every number (it records one where it cannot).
            variance = variance_judge(
                budget=numbers["Budget"],  # type: ignore[arg-type]
                forecast=numbers["Forecast outturn"],  # type: ignore[arg-type]
                thresholds=self.thresholds,
            )
            if variance.needs_explanation and not text["Explanation"]:
                problem("Explanation", explanation_prompt(variance, self.thresholds) + ".")
        self.problems.extend(found)
        if found or line is None:
            return None
        return _PositionRow(  # as above: every number was read
            line=line,
            budget=numbers["Budget"],  # type: ignore[arg-type]
            actual_to_date=numbers["Actual to date"],  # type: ignore[arg-type]
            forecast_outturn=numbers["Forecast outturn"],  # type: ignore[arg-type]
            explanation=text["Explanation"],
        )

    def _quarter_check(self, text: str, problem: Callable[[str, str], None]) -> None:
        quarter = self.quarter
        if not text:
            problem("Quarter", f"Enter the quarter, {quarter.label}.")
            return
        try:
            row_quarter = Quarter.parse(text)
        except PeriodParseError as exc:
            problem("Quarter", str(exc))
            return
        if row_quarter != quarter:
            problem(
                "Quarter",
                f"This row is for {row_quarter.label}, but you are uploading "
                f"{quarter.label} figures. Upload it on the {row_quarter.label} page, or "
                "correct the quarter.",
            )

    def _line_check(
        self, line: BudgetLine, row_number: int, problem: Callable[[str, str], None]
    ) -> None:
        if line.host_organisation_id != self.organisation.pk:
            problem(
                "Organisation",
                f"You can upload figures only for {self.organisation.name}'s budget lines; "
                f"this row is for {line.host_organisation.name}.",
            )
        elif line.pk in self.seen:
            problem(
                "Service area",
                f"This budget line is already in row {self.seen[line.pk]}; give each line once.",
            )
        else:
            self.seen[line.pk] = row_number


def _lines_by_key(year: FinancialYear) -> dict[tuple[str, ...], BudgetLine]:
    lines = BudgetLine.objects.filter(financial_year=year).select_related(
        "pool", "host_organisation"
    )
    keyed = {}
    for line in lines:
        for pool_name in {line.pool.name, line.pool.pool_type, line.pool.get_pool_type_display()}:
            for org_name in {line.host_organisation.name, line.host_organisation.short_name}:
                keyed[_key(pool_name, org_name, line.service_area)] = line
    return keyed


def _key(*parts: str) -> tuple[str, ...]:
    return tuple(" ".join(part.split()).casefold() for part in parts)


def _line_find(lines, text, problem, year: FinancialYear) -> BudgetLine | None:
    blank = [name for name in ("Pool", "Organisation", "Service area") if not text[name]]
    for name in blank:
        problem(name, f"Enter the {name.lower()}, as in the template.")
    if blank:
        return None
    line = lines.get(_key(text["Pool"], text["Organisation"], text["Service area"]))
    if line is None:
        problem(
            "Service area",
            f"There is no {year.label} budget line “{text['Service area']}” in the "
            f"“{text['Pool']}” pool hosted by “{text['Organisation']}”. Download the template "
            "to see the lines and how they are spelt.",
        )
    return line


def _money_read(
    text: str, *, row: int, column: str, problems: list[ImportProblem]
) -> Decimal | None:
    value, problem = decimal_parse(text, row=row, column=column, number_format=MONEY_FORMAT)
    if problem:
        problems.append(problem)
        return None
    if value is None:
        problems.append(ImportProblem(row, column, f"Enter the {column.lower()} in pounds."))
        return None
    return value.quantize(MONEY_PLACES)


# --- the quarter's sign-off ----------------------------------------------------------------


@transaction.atomic
def finance_quarter_sign_off(*, quarter: Quarter, by: User) -> FinanceQuarter:
    """Sign off the fund's position for a quarter, locking its figures. Atomic.

    Refused (`SignOffRefused`, nothing written) if it is already signed off, if any of the
    year's budget lines has no figures for the quarter, or if a red line has no explanation.
    Holds the quarter's row lock, so no edit or upload can land halfway through.
    """
    finance_quarter = _quarter_row_for_update(quarter)
    if finance_quarter.is_signed_off:
        raise SignOffRefused([f"{quarter.label} is already signed off."])
    problems = quarter_sign_off_problems(quarter=quarter)
    if problems:
        raise SignOffRefused(problems)
    finance_quarter.state = FinanceQuarter.State.SIGNED_OFF
    finance_quarter.signed_off_by = by
    finance_quarter.signed_off_at = timezone.now()
    _history_note(finance_quarter, by=by, reason="Signed off")
    finance_quarter.save()
    return finance_quarter


@transaction.atomic
def finance_quarter_reopen(*, quarter: Quarter, by: User, reason: str) -> FinanceQuarter:
    """Reopen a signed-off quarter so its figures can change again, recording who and why.

    Atomic. Refused (`SignOffRefused`) if the quarter is not signed off; `reason` must not be
    blank. The sign-off it undoes stays in the quarter's history.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("A quarter is reopened only with a reason.")
    finance_quarter = _quarter_row_for_update(quarter)
    if not finance_quarter.is_signed_off:
        raise SignOffRefused([f"{quarter.label} is not signed off, so there is nothing to reopen."])
    finance_quarter.state = FinanceQuarter.State.DRAFT
    finance_quarter.signed_off_by = None
    finance_quarter.signed_off_at = None
    finance_quarter.reopened_by = by
    finance_quarter.reopened_at = timezone.now()
    finance_quarter.reopen_reason = reason
    _history_note(finance_quarter, by=by, reason=f"Reopened: {reason}")
    finance_quarter.save()
    return finance_quarter


def finance_quarter_upsert(
    *,
    quarter: Quarter,
    state: FinanceQuarter.State | str,
    signed_off_by: User | None = None,
    signed_off_at: dt.datetime | None = None,
) -> tuple[FinanceQuarter, Change]:
    """Set a quarter's state as a loader records it (the demo data); idempotent."""
    state = FinanceQuarter.State(state)
    signed = state == FinanceQuarter.State.SIGNED_OFF
    return record_upsert(
        FinanceQuarter,
        lookup={"quarter": quarter},
        values={
            "state": state,
            "signed_off_by": signed_off_by if signed else None,
            "signed_off_at": signed_off_at if signed else None,
        },
    )


def _quarter_row_for_update(quarter: Quarter) -> FinanceQuarter:
    """The quarter's row, created as a draft if new, locked until the transaction ends."""
    finance_quarter, _ = FinanceQuarter.objects.select_for_update().get_or_create(quarter=quarter)
    return finance_quarter


def _quarter_lock(quarter: Quarter) -> FinanceQuarter:
    """Lock the quarter's row for this transaction; raise QuarterLocked if it is signed off."""
    finance_quarter = _quarter_row_for_update(quarter)
    if finance_quarter.is_signed_off:
        raise QuarterLocked(finance_quarter)
    return finance_quarter


def _explanation_check(
    *, line: BudgetLine, budget: Decimal, forecast_outturn: Decimal, explanation: str
) -> None:
    thresholds = variance_thresholds_for(financial_year=line.financial_year)
    variance = variance_judge(budget=budget, forecast=forecast_outturn, thresholds=thresholds)
    if variance.needs_explanation and not explanation.strip():
        raise ExplanationMissing(explanation_prompt(variance, thresholds))


# --- thresholds and efficiency schemes -----------------------------------------------------


@transaction.atomic
def variance_thresholds_set(
    *,
    financial_year: FinancialYear,
    green_within_percent: Decimal,
    amber_within_percent: Decimal,
    by: User | None = None,
) -> tuple[VarianceThresholds, Change]:
    """Set the year's thresholds (0 ≤ green ≤ amber); idempotent. Statuses are worked out from
    them when read, so a change applies to every quarter of the year at once."""
    if not 0 <= green_within_percent <= amber_within_percent:
        raise ValueError("The thresholds must satisfy 0 ≤ green ≤ amber.")
    values = {
        "green_within_percent": green_within_percent,
        "amber_within_percent": amber_within_percent,
    }
    current = VarianceThresholds.objects.filter(financial_year=financial_year).first()
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return current, "unchanged"
    thresholds = current or VarianceThresholds(financial_year=financial_year)
    for name, value in values.items():
        setattr(thresholds, name, value)
    thresholds.updated_by = by
    _history_note(thresholds, by=by, reason="Thresholds set")
    thresholds.save()
    return thresholds, "created" if current is None else "updated"


def efficiency_scheme_upsert(
    *,
    organisation: Organisation,
    financial_year: FinancialYear,
    name: str,
    target: Decimal,
    recurrence: EfficiencyScheme.Recurrence | str = EfficiencyScheme.Recurrence.NOT_STATED,
    identified: Decimal | None = None,
    risk_adjusted: Decimal | None = None,
    delivered_to_date: Decimal | None = None,
    delivered_as_at: Quarter | None = None,
    notes: str = "",
    source: str = "",
    order: int = 0,
) -> tuple[EfficiencyScheme, Change]:
    """Create or update an organisation's efficiency scheme for a year, keyed on its name."""
    return record_upsert(
        EfficiencyScheme,
        lookup={"organisation": organisation, "financial_year": financial_year, "name": name},
        values={
            "target": target,
            "recurrence": EfficiencyScheme.Recurrence(recurrence),
            "identified": identified,
            "risk_adjusted": risk_adjusted,
            "delivered_to_date": delivered_to_date,
            "delivered_as_at": delivered_as_at,
            "notes": notes,
            "source": source,
            "order": order,
        },
    )


# --- history ---------------------------------------------------------------------------------


def _history_values(by: User | None, reason: str) -> dict[str, object]:
    """Attributes django-simple-history reads when the instance is saved: who and why. (Inside
    a request its middleware supplies the user too; services run outside requests as well.)"""
    values: dict[str, object] = {}
    if by is not None:
        values["_history_user"] = by
    if reason:
        values["_change_reason"] = reason
    return values


def _history_note(instance, *, by: User | None, reason: str) -> None:
    for name, value in _history_values(by, reason).items():
        setattr(instance, name, value)
