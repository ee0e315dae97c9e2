"""Layout faults found by a test pass of the Bury demo as each role. On a 390 px phone no page
scrolls sideways: wide tables scroll inside their own region (with their visually hidden text),
filter drop-downs fit the screen, and a status tag's words stay inside the tag. A note under a
figure in a table starts its own line ("£43,369,000" then "at 2021/22 Q2", not run together)."""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser

# Pages that scrolled sideways at 390 px, each for a different reason: visually hidden link
# text at the right of a table (updates), a filter's long options (completeness, measures,
# cycles) and status tags wider than GOV.UK's 160 px tag (the section's stacked table).
PAGES = [
    "/programmes/updates/",
    "/programmes/completeness/",
    "/programmes/cycles/",
    "/performance/measures/",
    "/performance/sections/services/?quarter=2024-25-Q4",
    "/performance/imports/",  # its tables' region had no style, so nothing scrolled
]

# Every element whose own box or content reaches past the right edge of the screen, outside
# any region that scrolls on its own.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .filter((el) => !el.parentElement.closest(".app-table-wrapper:not(.app-table-wrapper--stacks)"))
    .map((el) => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
}"""

# Status tags whose words spill out of their coloured box.
SPILLING_TAGS = """() => [...document.querySelectorAll(".govuk-tag")]
  .filter((tag) => tag.scrollWidth > tag.clientWidth + 1)
  .map((tag) => tag.textContent.trim())"""


def test_no_page_scrolls_sideways_on_a_phone(page, live_server, bury_demo):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "performance.analyst")
    page.wait_for_url(f"{live_server.url}/")
    found = {}
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > PHONE["width"]:
            found[path] = (scroll_width, page.evaluate(OVERFLOWING)[:3])
    assert found == {}


def test_a_packs_files_scroll_in_their_own_region_on_a_phone(page, live_server, bury_demo):
    """The files table (with its 64-character SHA-256 digests) scrolls inside its region."""
    from django.utils import timezone

    from scrutiny.models import CommitteePack, PackExport

    pack = CommitteePack.objects.get()
    PackExport.objects.create(
        pack=pack, format="pdf", state="done", sha256="a" * 64, size=1, finished_at=timezone.now()
    )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "scrutiny.officer")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/scrutiny/packs/{pack.pk}/")

    assert page.get_by_role("region", name="Files of this pack").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_status_tags_hold_their_words(page, live_server, bury_demo):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "performance.analyst")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/performance/sections/services/?quarter=2024-25-Q4")
    assert "Lower (no judgement)" in page.inner_text("main")
    assert page.evaluate(SPILLING_TAGS) == []


def test_a_note_in_a_table_cell_starts_its_own_line(page, live_server, bury_demo):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "board.member")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/programmes/adult-social-care-transformation/")

    cells = page.evaluate(
        """() => [...document.querySelectorAll("td .govuk-hint, th .govuk-hint")]
          .map((hint) => hint.parentElement.innerText)"""
    )

    assert "£43,369,000\nat 2021/22 Q2" in cells
    assert not [cell for cell in cells if "\n" not in cell]
