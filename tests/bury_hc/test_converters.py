"""Periods in web addresses: one spelling (Quarter.code, FinancialYear.code) for every app."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import Resolver404, resolve, reverse

from bury_hc.converters import financial_year_requested, quarter_requested
from bury_hc.periods import FinancialYear, Quarter


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("finance:quarter", {"quarter": Quarter(2021, 2)}),
        ("finance:thresholds", {"year": FinancialYear(2021)}),
        ("programmes:cycle_edit", {"quarter": Quarter(2024, 4)}),
        ("programmes:update_detail", {"pk": 7, "quarter": Quarter(2024, 4)}),
        ("performance:commentary_edit", {"section": "waiting-lists", "quarter": Quarter(2024, 4)}),
    ],
)
def test_period_converters_round_trip_in_every_app(name, kwargs):
    url = reverse(name, kwargs=kwargs)

    match = resolve(url)

    assert match.kwargs == kwargs
    assert reverse(name, kwargs={k: getattr(v, "code", v) for k, v in kwargs.items()}) == url


def test_quarter_converter_spells_a_quarter_by_its_code():
    assert (
        reverse("finance:quarter", kwargs={"quarter": Quarter(2024, 4)}) == "/finance/2024-25-Q4/"
    )
    assert reverse("finance:thresholds", kwargs={"year": FinancialYear(2024)}) == (
        "/finance/thresholds/2024-25/"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/finance/2024-26-Q1/",  # years that do not follow each other
        "/finance/2024-25-Q5/",
        "/finance/thresholds/2024-27/",
        "/programmes/cycles/2024-25-Q0/",
        "/programmes/milestones/1/updates/not-a-quarter/",
    ],
)
def test_an_address_naming_no_real_period_does_not_resolve(path):
    with pytest.raises(Resolver404):
        resolve(path)


def test_quarter_requested_reads_the_query_string_or_falls_back():
    factory = RequestFactory()

    assert quarter_requested(factory.get("/?quarter=2024-25-Q3")) == Quarter(2024, 3)
    assert quarter_requested(factory.get("/"), default=Quarter(2024, 4)) == Quarter(2024, 4)
    assert quarter_requested(factory.get("/")) is None
    with pytest.raises(Http404):
        quarter_requested(factory.get("/?quarter=2024-25-Q9"))


def test_financial_year_requested_reads_the_query_string_or_falls_back():
    factory = RequestFactory()

    assert financial_year_requested(factory.get("/?year=2021-22")) == FinancialYear(2021)
    assert financial_year_requested(factory.get("/"), default=FinancialYear(2020)) == (
        FinancialYear(2020)
    )
    with pytest.raises(Http404):
        financial_year_requested(factory.get("/?year=2021-23"))
