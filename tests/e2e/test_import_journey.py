"""A performance analyst imports a table in no standard format: maps its columns, sees the
problems by row and column, fixes the file, previews it, imports it, and finds the new quarter
on the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from performance.models import Observation
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser

HEADINGS = "Service,Apr-25,May-25,Jun-25\n"
BROKEN = HEADINGS + "Residential,651,tbc,655\nHome Care,770,772,780\n"
FIXED = HEADINGS + "Residential,651,653,655\nHome Care,770,772,780\n"


def violations(page) -> list:
    found = axe_violations(page)
    return [(v["id"], v["help"], len(v["nodes"])) for v in found]


def upload(page, live_server, tmp_path, content: str, *, profile: str | None = None) -> None:
    path = tmp_path / "services_q1.csv"
    path.write_text(content)
    page.goto(f"{live_server.url}/performance/imports/new/")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_label("Another table: say which columns hold what").check()
    page.get_by_label("Source").fill("Bury Council adult social care records")
    page.get_by_label("Publication date (optional)").fill("15/07/2025")
    if profile:
        page.get_by_label("Saved mapping (optional)").select_option(label=profile)
    page.get_by_role("button", name="Upload and check").click()


def test_analyst_maps_fixes_and_imports_a_table(page, live_server, bury_demo, tmp_path, settings):
    # The live server runs in this process: the rebuild after the import runs in it too, with
    # or without Redis (the real worker is tested in tests/performance).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    sign_in(page, live_server, "performance.analyst")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/performance/imports/new/")
    expect(page.get_by_role("heading", name="Import a file of measure values")).to_be_visible()
    assert violations(page) == []

    upload(page, live_server, tmp_path, BROKEN)

    page.get_by_role("heading", name="Which columns hold what").wait_for()
    page.get_by_label("Several value columns (each column is a period, or a measure)").check()
    page.get_by_label("Periods (for example Apr-24, May-24)").check()
    assert page.get_by_label("Apr-25").is_checked()
    page.get_by_label("Or the same area for the whole file").select_option(label="Bury")
    page.get_by_label("Column with the measure (its code, name or a label)").select_option(
        "Service"
    )
    page.get_by_label("Save this mapping as (optional)").fill("Long-term services, monthly")
    page.get_by_role("button", name="Check the file with this mapping").click()
    page.get_by_label("“Residential” means").select_option("ASC-LTS-01")
    page.get_by_label("“Home Care” means").select_option("ASC-LTS-02")
    page.get_by_role("button", name="Check the file with this mapping").click()

    page.get_by_role("heading", name="The file was not imported").wait_for()
    problems = page.get_by_role("table", name="1 problem found")
    row = problems.get_by_role("row").nth(1)
    expect(row.get_by_role("cell")).to_have_text(["2", "May-25", "“tbc” is not a number."])
    assert violations(page) == []

    upload(page, live_server, tmp_path, FIXED, profile="Long-term services, monthly")

    page.get_by_role("heading", name="Check what the import will change").wait_for()
    preview = page.get_by_role("table", name="How the first rows were read")
    expect(preview).to_contain_text(re.compile("Residential placement|ASC-LTS-01"))
    expect(preview).to_contain_text("April 2025")
    assert violations(page) == []
    page.get_by_role("button", name="Import 6 values").click()

    page.get_by_role("heading", name="File imported").wait_for()
    assert Observation.objects.filter(measure__code="ASC-LTS-01", period_start__year=2025,
                                      period_start__month=6).get().value == 655  # fmt: skip
    page.get_by_role("link", name="See the dashboard for 2025/26 Q1").click()

    page.wait_for_url(f"{live_server.url}/performance/?quarter=2025-26-Q1")
    selector = page.get_by_label("Quarter")
    expect(selector).to_contain_text("2025/26 Q1")


def test_a_big_import_in_the_embedded_default_shows_its_progress(
    page, live_server, bury_demo, tmp_path, settings
):
    """No worker: the big file is checked, then imported, by a background thread of the server,
    while the browser is shown the progress page, which moves on by itself."""
    from bury_hc.background import background_jobs
    from tests.bury_hc.test_background_jobs import big_file, thread_busy

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.JOBS_BACKGROUND_THREADS = 1
    settings.JOBS_STATE_DIR = tmp_path / "jobs"
    path = tmp_path / "big.csv"
    path.write_bytes(big_file())
    sign_in(page, live_server, "performance.analyst")
    page.wait_for_url(f"{live_server.url}/")

    with thread_busy():  # the check cannot have finished before the progress page is seen
        page.goto(f"{live_server.url}/performance/imports/new/")
        page.get_by_label("File", exact=True).set_input_files(str(path))
        page.get_by_label("This application's template (one value a row)").check()
        page.get_by_label("Source").fill("Bury Council adult social care records")
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_role("heading", name="Checking the file").wait_for()
        assert re.search(r"/performance/imports/\d+/progress/$", page.url)
        expect(page.locator("#import-progress")).to_contain_text("of 6000 rows")
        assert violations(page) == []

    page.get_by_role("heading", name="Check what the import will change").wait_for(timeout=60_000)

    with thread_busy():
        page.get_by_role("button", name="Import 6000 values").click()
        page.get_by_role("heading", name="Importing the file").wait_for()

    page.get_by_role("heading", name="File imported").wait_for(timeout=60_000)
    assert Observation.objects.filter(measure__code__startswith="BG-").count() == 6000
    assert background_jobs.idle_wait(60)
