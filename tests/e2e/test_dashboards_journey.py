"""A Board member reads the quarterly dashboards with the Bury demo data: from the highlight
report to one measure's chart and its data table, then a section page's charts and commentary;
every page drawn under the Content Security Policy and free of WCAG violations."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser

HIGHLIGHTS = "/performance/?quarter=2024-25-Q4"
SERVICES_SECTION = "/performance/sections/services/?quarter=2024-25-Q4"


def assert_no_wcag_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_board_member_reads_the_dashboards(page, live_server, bury_demo):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")

    # The highlight report: the waiting list with its computed rank, and its rule.
    page.goto(f"{live_server.url}{HIGHLIGHTS}")
    table = page.get_by_role("table", name="Adult Social Care highlight measures, 2024/25 Q4")
    row = table.get_by_role("row", name="Number of people on waiting list for ASC needs assessment")
    expect(row).to_contain_text("54")
    expect(row).to_contain_text("in Greater Manchester")
    assert_no_wcag_violations(page)

    # One measure: plotly draws its chart under our CSP, and the data table opens beneath it.
    row.get_by_role("link").click()
    page.wait_for_url("**/performance/measures/**")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Number of people"))
    figure = page.locator("figure.app-chart").first
    expect(figure.locator(".js-plotly-plot")).to_be_visible()
    data_table = figure.get_by_role("table")
    expect(data_table).to_be_hidden()
    figure.get_by_text("Show the data").click()
    expect(data_table).to_be_visible()
    assert_no_wcag_violations(page)

    # A section page: its charts and the service's commentary.
    page.goto(f"{live_server.url}{SERVICES_SECTION}")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_text("This shows the number of people we support")).to_be_visible()
    assert_no_wcag_violations(page)

    assert not [m for m in messages if "Content Security Policy" in m], messages
