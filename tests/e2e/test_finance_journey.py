"""A quarter of the Integrated Care Fund in the browser: the council's finance officer enters a
line's figures (and is told to explain an overspend beyond the amber threshold), the finance
lead signs the quarter off, and a Board member reads the summary and cannot edit."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from finance.models import BudgetLine, FinanceQuarter, QuarterlyFinancialPosition
from tests.e2e.conftest import DEMO_PASSWORD, axe_violations, sign_in

pytestmark = pytest.mark.browser

LINE = "Housing-related support"


@pytest.fixture
def finance_demo(bury_demo):
    """The demo data, with the known password for the finance staff too."""
    for user in User.objects.filter(username__in=["finance.council", "finance.lead"]):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return bury_demo


def switch_user(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")


def assert_no_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_a_quarter_is_entered_signed_off_and_read(page, live_server, finance_demo):
    line = BudgetLine.objects.get(service_area=LINE)

    # The council's finance officer opens the quarter and one of the council's lines.
    switch_user(page, live_server, "finance.council")
    page.goto(f"{live_server.url}/finance/2021-22-Q2/entry/")
    expect(page.get_by_role("heading", name="Figures for 2021/22 Q2", level=1)).to_be_visible()
    page.get_by_role("link", name=f"Change figures for {LINE}").click()
    page.wait_for_url(re.compile(r"/finance/2021-22-Q2/lines/\d+/edit/$"))
    expect(page.get_by_role("heading", name=LINE, level=1)).to_be_visible()
    assert_no_violations(page)

    # A forecast 5.6% over budget with no explanation is refused, in the error summary.
    page.get_by_label("Actual spend to date (£)").fill("2,480,000")
    page.get_by_label("Forecast outturn (£)").fill("5,200,000")
    page.get_by_label("Explanation of the variance").fill("")
    page.get_by_role("button", name="Save figures").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    error = summary.get_by_role("link", name=re.compile("5.6% over budget"))
    expect(error).to_contain_text("beyond the 3% amber threshold needs an explanation")
    assert page.title().startswith("Error:")
    error.click()
    assert page.evaluate("document.activeElement.id") == "id_explanation"
    assert_no_violations(page)

    # With the explanation it saves, and the officer is back on the quarter's lines.
    page.get_by_label("Explanation of the variance").fill(
        "Two supported housing schemes reopened early after refurbishment."
    )
    page.get_by_role("button", name="Save figures").click()
    page.wait_for_url(f"{live_server.url}/finance/2021-22-Q2/entry/")
    expect(page.get_by_text(f"Figures saved for {LINE}, 2021/22 Q2.")).to_be_visible()
    position = QuarterlyFinancialPosition.objects.get(line=line, quarter="2021/22 Q2")
    assert str(position.forecast_outturn) == "5200000.00"
    assert position.updated_by.username == "finance.council"

    # The finance lead signs the quarter off.
    switch_user(page, live_server, "finance.lead")
    page.goto(f"{live_server.url}/finance/2021-22-Q2/sign-off/")
    page.get_by_label("I have reviewed the quarter's figures and explanations").check()
    page.get_by_role("button", name="Sign off").click()
    page.wait_for_url(f"{live_server.url}/finance/2021-22-Q2/")
    expect(page.get_by_text("2021/22 Q2 is signed off: its figures are locked.")).to_be_visible()
    assert FinanceQuarter.objects.get(quarter="2021/22 Q2").signed_off_by.username == (
        "finance.lead"
    )

    # A Board member reads the summary: £520m in three pools, signed off, and no way to edit.
    switch_user(page, live_server, "board.member")
    page.goto(f"{live_server.url}/finance/?quarter=2021-22-Q2")
    expect(page.get_by_role("heading", name="Integrated Care Fund", level=1)).to_be_visible()
    cards = page.locator(".app-card-list")
    for amount in ("£330.0m", "£150.0m", "£40.0m", "£520.0m"):
        expect(cards).to_contain_text(amount)
    expect(page.locator(".app-finance-state")).to_contain_text("Signed off by Ruth Kendall")
    by_pool = page.get_by_role("table", name="By pool")
    expect(by_pool).to_contain_text("Pooled budget")
    expect(page.get_by_role("link", name=re.compile("Enter your organisation"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Sign off"))).to_have_count(0)
    assert_no_violations(page)

    page.goto(f"{live_server.url}/finance/2021-22-Q2/lines/{line.pk}/edit/")
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
