"""A Board member signs in with the Bury demo data and reads the overview."""

import pytest

from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_board_member_signs_in_and_sees_the_overview(page, live_server, bury_demo):
    sign_in(page, live_server, "board.member")

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Locality plan overview", level=1).is_visible()
    table = page.get_by_role("table", name="Adult Social Care highlight measures, 2024/25 Q4")
    waiting_row = table.get_by_role(
        "row", name="Number of people on waiting list for ASC needs assessment"
    )
    assert "54" in waiting_row.inner_text()
    assert "Lower is better" in waiting_row.inner_text()
    assert page.get_by_text("£520.0m").is_visible()
    assert page.get_by_role("link", name="7. Adult Social Care Transformation").is_visible()


def test_sign_in_errors_are_summarised_and_linked(page, live_server, bury_demo):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    summary.get_by_role("link", name="Enter your username").click()
    assert page.evaluate("document.activeElement.id") == "id_username"


@pytest.mark.parametrize("path", ["/", "/programmes/", "/performance/", "/finance/", "/scrutiny/"])
def test_pages_have_no_wcag_violations(page, live_server, bury_demo, path):
    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{path}")

    violations = axe_violations(page)

    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_sign_in_page_has_no_wcag_violations(page, live_server, bury_demo):
    page.goto(f"{live_server.url}/sign-in/")

    assert axe_violations(page) == []
