"""A scrutiny officer assembles, previews, exports, publishes and downloads a committee pack."""

import pytest

from tests.e2e.conftest import axe_violations, sign_in
from tests.support.jobs import jobs_run_here

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def exports_in_process(monkeypatch):
    # The live server runs in this process: export tasks run here, with or without Redis.
    jobs_run_here(monkeypatch, "scrutiny.tasks.pack_export_render")


def no_violations(page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe_violations(page)]


def test_officer_builds_previews_exports_and_publishes_a_pack(page, live_server, bury_demo):
    sign_in(page, live_server, "scrutiny.officer")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/scrutiny/")
    page.get_by_role("link", name="Start a pack for this meeting").click()

    page.get_by_label("Title", exact=True).fill("Adult Social Care performance, for the committee")
    page.get_by_label("Quarter").fill("2024/25 Q4")
    page.get_by_label("Agenda item (optional)").select_option(
        label="8. Adult Social Care Performance Quarter Four Report 2024/25"
    )
    page.get_by_label("Adult Social Care performance report").check()
    page.get_by_role("button", name="Start the pack").click()

    # The builder: the cover starts from the committee's last pack (the demo's draft).
    page.wait_for_url("**/edit/")
    assert (
        page.get_by_label("Summary", exact=True)
        .input_value()
        .startswith("This is the Adult Social Care Department Quarter 4 Report")
    )
    assert no_violations(page) == []
    page.get_by_label("Recommendations", exact=True).fill(
        "To note the report.\nTo ask for a Q1 update."
    )
    page.get_by_role("button", name="Save the pack").click()
    page.get_by_text("Pack saved.").wait_for()

    page.get_by_role("link", name="Preview the pack as it prints").click()
    page.get_by_role("heading", name="Highlight report").wait_for()
    assert "To ask for a Q1 update." in page.content()
    assert (
        "54"
        in page.get_by_role("table", name="Highlight measures for 2024/25 Q4").first.inner_text()
    )
    assert no_violations(page) == []
    page.go_back()

    page.get_by_label("PDF", exact=True).check()
    page.get_by_role("button", name="Make the file").click(timeout=120_000)
    page.get_by_role("link", name="Download PDF").wait_for(timeout=120_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    # Publishing asks first, on a GOV.UK warning page; cancelling leaves the draft as it was.
    page.get_by_role("link", name="Publish the pack").click()
    page.get_by_text("Publishing cannot be undone.").wait_for()
    assert no_violations(page) == []
    page.get_by_role("link", name="Cancel and go back to the pack").click()
    page.get_by_role("link", name="Publish the pack").click()
    page.get_by_role("button", name="Publish and freeze the pack").click()
    page.get_by_text("It is now frozen.").wait_for()
    page.get_by_label("Excel (.xlsx)").check()
    page.get_by_role("button", name="Make the file").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert no_violations(page) == []
