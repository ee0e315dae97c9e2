"""A Board member signs in with the Bury demo data and reads the overview: the exceptions first,
then the programme grid and the measures, and every page it reads free of WCAG violations, on a
desktop screen and on a phone (one journey each: one demo load, one sign-in)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, axe_violations, sign_in

pytestmark = pytest.mark.browser


BOARD_PAGES = [
    "/programmes/",
    "/programmes/adult-social-care-transformation/",
    "/performance/",
    "/performance/measures/ASC-WL-01/",
    "/finance/",
    "/scrutiny/",
]


def violations_found(page) -> list:
    return [(v["id"], v["help"], len(v["nodes"])) for v in axe_violations(page)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_board_member_signs_in_and_sees_what_needs_attention(
    page, live_server, bury_demo, viewport
):
    page.set_viewport_size(viewport)

    # The sign-in page: an empty form is refused, its errors summarised and linked.
    page.goto(f"{live_server.url}/sign-in/")
    assert violations_found(page) == []
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name="Enter your username").click()
    assert page.evaluate("document.activeElement.id") == "id_username"

    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")

    expect(page.get_by_role("heading", name="What needs the Board’s attention")).to_be_visible()
    expect(page.get_by_text("Reporting quarter 2024/25 Q4")).to_be_visible()
    exceptions = page.get_by_test_id("exceptions")
    heading = exceptions.get_by_role("heading", name="This quarter’s exceptions")
    expect(heading).to_be_in_viewport()  # above the fold
    expect(exceptions.get_by_role("heading", name="Updates overdue (8)")).to_be_visible()
    expect(exceptions.get_by_text("the latest signed-off quarter is 2021/22 Q1")).to_be_visible()
    expect(exceptions.get_by_role("link", name="Continuing health care")).to_be_visible()

    grid = page.get_by_test_id("programme-grid")
    expect(grid.get_by_role("row")).to_have_count(11)  # the heading row and ten programmes
    row = grid.get_by_role("row", name="7. Adult Social Care Transformation")
    expect(row).to_contain_text("5 no update yet")
    expect(row).to_contain_text("£64.6m")

    table = page.get_by_role("table", name="Adult Social Care highlight measures, 2024/25 Q4")
    waiting = table.get_by_role(
        "row", name="Number of people on waiting list for ASC needs assessment"
    )
    expect(waiting).to_contain_text("3rd of 9 in Greater Manchester")
    expect(waiting).to_contain_text("Not ranked in North West: 9 of 24 councils published")
    expect(page.locator("main")).not_to_contain_text("1st of 1")
    expect(page.get_by_text("No target set for any of these measures")).to_have_count(1)
    if viewport is PHONE:  # stacked rows: nothing scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations_found(page) == []

    # Every other page the Board reads, at the same screen size.
    found = {}
    for path in BOARD_PAGES:
        page.goto(f"{live_server.url}{path}")
        if violations := violations_found(page):
            found[path] = violations
    assert found == {}
