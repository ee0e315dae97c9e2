"""Finding measures from what files call them: this application's codes and names, the ASCOF
catalogue (fixtures/ascof_measures.yaml), and Fingertips indicator IDs."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from bury_hc.periods import FinancialYear, Period
from performance.importing.formats import ImportProblemText
from performance.models import Measure, SourceCode

ASCOF_CATALOGUE_PATH = Path(settings.BASE_DIR) / "fixtures" / "ascof_measures.yaml"
_DASHES = re.compile(r"[\u0096\u2013\u2014\u2012-]")
_SPACES = re.compile(r"\s+")


def wording_normalise(text: str) -> str:
    """A description reduced for comparison: dashes (including the stray C1 control character
    the trend file has for an en dash), case, spacing and a leading "The" made alike."""
    text = _SPACES.sub(" ", _DASHES.sub("-", text)).strip().lower()
    return text.removeprefix("the ")


def text_key(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


class CatalogueMeasureResolver:
    """Measures by this application's code, or by name (without regard to case or spacing)."""

    period_dependent = False

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}
        for code, name in Measure.objects.values_list("code", "name"):
            self.by_key.setdefault(text_key(name), code)
        for code in Measure.objects.values_list("code", flat=True):
            self.by_key[text_key(code)] = code  # a code wins over a name

    def resolve(self, ref: str, hint: str, period: Period | None) -> str:
        if not ref:
            return ImportProblemText("The measure is blank: give its code, for example ASC-WL-01.")
        found = self.by_key.get(text_key(ref))
        if found:
            return found
        return ImportProblemText(
            f"“{ref}” is not a measure in the catalogue: use a measure's code (for example "
            "ASC-WL-01), or add the measure to the catalogue first."
        )


class SourceCodeMeasureResolver:
    """Measures by a publisher's code (e.g. a Fingertips indicator ID), within its years."""

    period_dependent = True

    def __init__(self, scheme: SourceCode.Scheme, describe: str) -> None:
        self.scheme = scheme
        self.describe = describe
        self.codes: dict[str, list[tuple[dt.date | None, dt.date | None, str]]] = {}
        for code, start, end, measure in SourceCode.objects.filter(scheme=scheme).values_list(
            "code", "valid_from", "valid_to", "measure__code"
        ):
            self.codes.setdefault(code.strip().upper(), []).append((start, end, measure))

    def resolve(self, ref: str, hint: str, period: Period | None) -> str:
        for start, end, measure in self.codes.get(ref.strip().upper(), []):
            if period is None or (
                (start is None or period.end >= start) and (end is None or period.start <= end)
            ):
                return measure
        named = f" (“{hint}”)" if hint else ""
        return ImportProblemText(
            f"{self.describe} {ref}{named} is not linked to a measure: add it to the measure's "
            "source codes in the catalogue, then import the file again."
        )


# --- ASCOF -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AscofSourceCode:
    code: str
    first_year: int | None  # financial years, by the calendar year they start in
    last_year: int | None
    wordings: tuple[str, ...]

    def covers(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


@dataclass(frozen=True)
class AscofMeasure:
    code: str
    name: str
    domain: str
    polarity: str
    unit: str
    decimal_places: int
    definition: str
    source_codes: tuple[AscofSourceCode, ...]

    @property
    def wordings(self) -> set[str]:
        return {wording_normalise(w) for sc in self.source_codes for w in sc.wordings}


@dataclass
class AscofCatalogue:
    """The ASCOF measures and which code meant which of them in which year."""

    measures: dict[str, AscofMeasure]
    domains: dict[str, dict[str, Any]]
    data_source: str
    by_code: dict[str, list[tuple[AscofSourceCode, str]]] = field(default_factory=dict)
    by_wording: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for measure in self.measures.values():
            for source in measure.source_codes:
                self.by_code.setdefault(source.code, []).append((source, measure.code))
            for wording in measure.wordings:
                self.by_wording.setdefault(wording, set()).add(measure.code)


def _year(text: Any) -> int | None:
    return None if text in (None, "") else FinancialYear.parse(str(text)).start_year


@cache
def _catalogue_cached(path: str, mtime: float) -> AscofCatalogue:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    measures = {}
    for row in data["measures"]:
        measures[row["code"]] = AscofMeasure(
            code=row["code"],
            name=row["name"],
            domain=row["domain"],
            polarity=row["polarity"],
            unit=row["unit"],
            decimal_places=int(row["decimal_places"]),
            definition=" ".join(str(row.get("definition", "")).split()),
            source_codes=tuple(
                AscofSourceCode(
                    code=str(source["code"]).upper(),
                    first_year=_year(source.get("from")),
                    last_year=_year(source.get("to")),
                    wordings=tuple(source.get("wordings", [])),
                )
                for source in row["source_codes"]
            ),
        )
    return AscofCatalogue(
        measures=measures,
        domains={domain["key"]: domain for domain in data["domains"]},
        data_source=data["data_source"],
    )


def ascof_catalogue(path: Path = ASCOF_CATALOGUE_PATH) -> AscofCatalogue:
    """The ASCOF catalogue from fixtures/ascof_measures.yaml (re-read when the file changes)."""
    return _catalogue_cached(str(path), path.stat().st_mtime)


class AscofMeasureResolver:
    """An ASCOF code means a measure only within its years: look it up by year and code, and
    by the description when the code is not in the catalogue for that year. Measures of the
    catalogue that the application lacks are created when the import is applied."""

    period_dependent = True

    def __init__(self, catalogue: AscofCatalogue | None = None) -> None:
        self.catalogue = catalogue or ascof_catalogue()
        self.used: set[str] = set()
        self.warnings: list[str] = []
        self._warned: set[tuple[int, str]] = set()

    def resolve(self, ref: str, hint: str, period: Period | None) -> str:
        year = FinancialYear.containing(period.start).start_year if period else None
        year_label = FinancialYear(year).label if year is not None else "its year"
        found = None
        if year is not None:
            found = next(
                (
                    code
                    for source, code in self.catalogue.by_code.get(ref, [])
                    if source.covers(year)
                ),
                None,
            )
        wording = wording_normalise(hint) if hint else ""
        if found is None and wording:
            candidates = self.catalogue.by_wording.get(wording, set())
            if len(candidates) == 1:
                found = next(iter(candidates))
                self._warn(
                    year,
                    ref,
                    f"{year_label} {ref}: the code is not in the ASCOF catalogue for that year; "
                    f"the value is read as {found} by its description.",
                )
        if found is None:
            described = f" (“{hint}”)" if hint else ""
            return ImportProblemText(
                f"ASCOF measure {ref} in {year_label}{described} is not in the ASCOF catalogue "
                "(fixtures/ascof_measures.yaml): add it there, with the years it applies to."
            )
        if wording and wording not in self.catalogue.measures[found].wordings:
            self._warn(
                year,
                ref,
                f"{year_label} {ref} is described as “{hint}”, which is not a wording this "
                f"measure has had; the value is read as {found} by its code.",
            )
        self.used.add(found)
        return found

    def _warn(self, year: int | None, code: str, message: str) -> None:
        if (year or 0, code) not in self._warned:
            self._warned.add((year or 0, code))
            self.warnings.append(message)
