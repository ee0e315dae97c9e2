"""Factories and file builders for the performance app's import tests."""

from __future__ import annotations

import csv
import io

import factory

from tests.factories import AreaFactory, MeasureFactory

__all__ = [
    "AreaFactory",
    "ImportMappingProfileFactory",
    "MeasureFactory",
    "SourceCodeFactory",
    "big_template_rows",
    "csv_bytes",
    "template_csv",
]


class SourceCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "performance.SourceCode"

    measure = factory.SubFactory(MeasureFactory)
    scheme = "fingertips"
    code = factory.Sequence(lambda n: str(90000 + n))


class ImportMappingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "performance.ImportMappingProfile"

    name = factory.Sequence(lambda n: f"Mapping {n}")
    mapping = factory.LazyFunction(
        lambda: {
            "layout": "long",
            "area": {"column": "area"},
            "measure": {"column": "measure"},
            "period": {"column": "period"},
            "value": {"column": "value"},
        }
    )


def csv_bytes(rows: list[list[object]]) -> bytes:
    """A CSV file's bytes from rows of cells (the first row is the headings)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def template_csv(*rows: tuple[object, ...], note: bool = True) -> bytes:
    """The long template: (measure_code, area_code, period, value[, value_note]) rows."""
    headings = ["measure_code", "area_code", "period", "value"] + (["value_note"] if note else [])
    return csv_bytes([headings, *[list(row) for row in rows]])


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def big_template_rows(*, measure_prefix: str = "M", area_prefix: str = "E080000") -> list[tuple]:
    """6,000 template rows (5 measures × 10 areas × 120 months, 2015 to 2024), more than an
    upload has checked in the request; the measures and areas are created."""
    areas = [AreaFactory(ons_code=f"{area_prefix}{n:02d}") for n in range(1, 11)]
    measures = [MeasureFactory(code=f"{measure_prefix}{n}") for n in range(5)]
    months = [f"{month}-{year}" for year in range(15, 25) for month in MONTHS]
    return [
        (m.code, a.ons_code, month, str(n % 997), "")
        for n, (m, a, month) in enumerate(
            (m, a, mo) for m in measures for a in areas for mo in months
        )
    ]
