"""The quarterly milestone cycle in the browser, with the Bury demo users: the programme lead
enters an amber update for 2024/25 Q4, the approver returns it, the lead resubmits, the
approver approves, and the Board member reads it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from programmes.models import Milestone, MilestoneUpdate
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser

MILESTONE = "Approve the Bury Adult Carers Strategy 2025-29"
Q4 = "2024-25-Q4"


@pytest.fixture
def tasks_in_process(settings):
    # The live server runs in this process: with tasks run in-process, the "returned" e-mail
    # lands in django.core.mail.outbox whether or not Redis is configured.
    settings.CELERY_TASK_ALWAYS_EAGER = True


def browser_for(chromium, live_server, username: str):
    """A fresh browser context (its own cookies) signed in as `username`."""
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")
    return page


def assert_no_wcag_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_lead_and_approver_run_the_quarterly_cycle(
    chromium, live_server, bury_demo, tasks_in_process
):
    milestone = Milestone.objects.get(title=MILESTONE)
    detail_url = f"{live_server.url}/programmes/milestones/{milestone.pk}/updates/{Q4}/"
    edit_url = f"{detail_url}edit/"

    # The lead sees their milestones for 2024/25 Q4 and opens the update form.
    lead = browser_for(chromium, live_server, "programme.lead")
    lead.goto(f"{live_server.url}/programmes/updates/")
    expect(lead.get_by_role("heading", name="Your milestones for 2024/25 Q4")).to_be_visible()
    for programme in ["3. Learning Disabilities and Autism", "7. Adult Social Care Transformation"]:
        expect(lead.get_by_role("table", name=programme)).to_be_visible()
    expect(lead.get_by_role("link", name=re.compile("^Enter update for "))).to_have_count(8)
    lead.get_by_role("link", name=f"Enter update for {MILESTONE}").click()
    lead.wait_for_url(edit_url)
    expect(lead.locator("main")).to_contain_text("Suggested status")
    assert_no_wcag_violations(lead)

    # An amber update without commentary is refused, the error linked to the field.
    lead.get_by_label("Delivery status").select_option(label="At risk (amber)")
    lead.get_by_label("Progress (per cent)").fill("80")
    lead.get_by_role("button", name="Save as draft").click()
    summary = lead.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role(
        "link", name="Enter commentary: it is needed because the status is At risk (amber)"
    ).click()
    assert lead.evaluate("document.activeElement.id") == "id_commentary"
    expect(summary.get_by_role("link", name=re.compile("^Enter the path to green"))).to_be_visible()
    assert_no_wcag_violations(lead)
    assert not MilestoneUpdate.objects.exists()

    # Corrected with commentary and a path to green, it is submitted.
    lead.get_by_label("Commentary").fill("Consultation with carers ran into February.")
    lead.get_by_label("Path to green: the recovery action").fill("Cabinet approval in April.")
    lead.get_by_label("Quarter expected back on track").fill("2025/26 Q1")
    lead.get_by_role("button", name="Save and submit for approval").click()
    lead.wait_for_url(detail_url)
    expect(lead.locator("main")).to_contain_text("Update submitted for approval")
    assert MilestoneUpdate.objects.get().state == "submitted"

    # The approver (the performance analyst) returns it with a reason; the lead is e-mailed.
    analyst = browser_for(chromium, live_server, "performance.analyst")
    analyst.goto(f"{live_server.url}/programmes/updates/")
    analyst.get_by_role("table", name="Submitted updates awaiting your approval").get_by_role(
        "link", name=re.compile(re.escape(MILESTONE))
    ).click()
    analyst.wait_for_url(detail_url)
    analyst.get_by_label("Why are you returning it?").fill("Say which carers were consulted.")
    analyst.get_by_role("button", name="Return to the lead").click()
    analyst.wait_for_url(f"{live_server.url}/programmes/updates/")
    assert MilestoneUpdate.objects.get().state == "returned"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["programme.lead@example.org"]
    assert "Say which carers were consulted." in mail.outbox[0].body

    # The lead sees it returned, with the reason, and resubmits.
    lead.goto(f"{live_server.url}/programmes/updates/")
    row = lead.get_by_role("row", name=re.compile(re.escape(MILESTONE)))
    expect(row).to_contain_text("Returned")
    row.get_by_role("link", name=f"Change for {MILESTONE}").click()
    lead.wait_for_url(edit_url)
    expect(lead.locator("main")).to_contain_text("Say which carers were consulted.")
    lead.get_by_label("Commentary").fill(
        "Consultation with the Carers Partnership Board ran into February."
    )
    lead.get_by_role("button", name="Save and submit for approval").click()
    lead.wait_for_url(detail_url)
    assert MilestoneUpdate.objects.get().state == "submitted"

    # The approver approves it: no e-mail for an approval.
    analyst.goto(detail_url)
    analyst.get_by_role("button", name="Approve").click()
    analyst.wait_for_url(f"{live_server.url}/programmes/updates/")
    update = MilestoneUpdate.objects.get()
    assert (update.state, update.decided_by.username) == ("approved", "performance.analyst")
    assert len(mail.outbox) == 1

    # Approved is locked: the lead can no longer change it.
    lead.goto(detail_url)
    expect(lead.locator("main")).to_contain_text("The update is locked")
    expect(lead.get_by_role("link", name="Change the update")).to_have_count(0)
    response = lead.goto(edit_url)
    assert response.status == 403
    expect(lead.locator("main")).to_contain_text("This update cannot be changed")

    # The completeness page shows it approved.
    analyst.goto(f"{live_server.url}/programmes/completeness/?quarter={Q4}")
    completeness_row = analyst.get_by_role("row", name=re.compile(re.escape(MILESTONE)))
    expect(completeness_row).to_contain_text("Approved")
    assert_no_wcag_violations(analyst)
    analyst.goto(f"{live_server.url}/programmes/completeness/?quarter={Q4}&state=approved")
    expect(analyst.get_by_role("row", name=re.compile(re.escape(MILESTONE)))).to_be_visible()

    # A Board member reads it all, and can change nothing.
    board = browser_for(chromium, live_server, "board.member")
    board.goto(f"{live_server.url}/programmes/milestones/{milestone.pk}/")
    expect(board.get_by_role("heading", name=MILESTONE)).to_be_visible()
    expect(board.locator("main")).to_contain_text("Consultation with the Carers Partnership Board")
    board.goto(detail_url)
    expect(board.locator("main")).to_contain_text("Approved by Sam Okafor")
    expect(board.get_by_role("button").filter(has_not_text="Sign out")).to_have_count(0)
    expect(board.get_by_role("link", name="Edit milestone")).to_have_count(0)
    expect(board.get_by_role("link", name="Change the update")).to_have_count(0)
    assert board.goto(edit_url).status == 403
    assert board.goto(f"{live_server.url}/programmes/milestones/{milestone.pk}/edit/").status == 403
    board.goto(f"{live_server.url}/programmes/adult-social-care-transformation/")
    table = board.get_by_role("table", name=re.compile("status in 2024.25 Q4"))  # no "/"
    expect(table.get_by_role("row", name=re.compile(re.escape(MILESTONE)))).to_contain_text(
        "At risk (amber)"
    )
    assert_no_wcag_violations(board)

    for page in (lead, analyst, board):
        page.context.close()
