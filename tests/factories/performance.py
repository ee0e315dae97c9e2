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
