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
        "/finance/0000-01-Q1/",  # year 0 has no dates: a 500 before
        "/finance/9999-00-Q4/",  # ends in the year 10000
        "/finance/thresholds/0000-01/",
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


@pytest.mark.parametrize("code", ["0000-01-Q1", "9999-00-Q1", "0001-02-Q1", "1899-00-Q4"])
def test_a_quarter_outside_the_years_reported_is_not_found(code):
    """`?quarter=0000-01-Q1` was a 500 on eight pages (year 0 is out of range for a date)."""
    with pytest.raises(Http404):
        quarter_requested(RequestFactory().get(f"/?quarter={code}"))
    with pytest.raises(Http404):
        financial_year_requested(RequestFactory().get(f"/?year={code[:7]}"))


@pytest.mark.django_db
def test_pages_answer_a_quarter_outside_the_years_reported_with_not_found(client):
    from bury_hc.roles import Role
    from tests.factories import user_with_role

    client.force_login(user_with_role(Role.BOARD_MEMBER))

    for path in ["/performance/", "/finance/", "/programmes/completeness/"]:
        assert client.get(f"{path}?quarter=0000-01-Q1").status_code == 404, path
        assert client.get(f"{path}?quarter=9999-00-Q1").status_code == 404, path
