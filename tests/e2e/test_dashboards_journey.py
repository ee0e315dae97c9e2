"""A Board member reads the quarterly dashboards with the Bury demo data."""

import pytest

from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_board_member_follows_a_measure_from_the_highlight_report(page, live_server, bury_demo):
    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/performance/?quarter=2024-25-Q4")

    table = page.get_by_role("table", name="Adult Social Care highlight measures, 2024/25 Q4")
    row = table.get_by_role("row", name="Number of people on waiting list for ASC needs assessment")
    assert "54" in row.inner_text()
    assert "in Greater Manchester" in row.inner_text()  # the computed rank, with its rule
    row.get_by_role("link").click()

    page.wait_for_url("**/performance/measures/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Number of people")
    figure = page.locator("figure.app-chart").first
    figure.locator(".js-plotly-plot").wait_for()  # plotly drew the chart under our CSP
    figure.get_by_text("Show the data").click()
    assert figure.get_by_role("table").is_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    ["/performance/?quarter=2024-25-Q4", "/performance/sections/services/?quarter=2024-25-Q4"],
)
def test_dashboards_have_no_wcag_violations(page, live_server, bury_demo, path):
    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{path}")

    violations = axe_violations(page)

    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_section_page_draws_its_charts_and_commentary(page, live_server, bury_demo):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/performance/sections/services/?quarter=2024-25-Q4")

    page.locator(".js-plotly-plot").first.wait_for()
    assert page.get_by_text("This shows the number of people we support").is_visible()
    assert not [m for m in messages if "Content Security Policy" in m], messages
