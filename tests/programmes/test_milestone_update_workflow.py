"""The quarterly update: draft → submitted → approved, or returned with a reason; locking,
reopening, optimistic locking, and the one e-mail a return sends."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from programmes import services
from programmes.models import MilestoneUpdate
from tests.programmes.conftest import Q4, approved, draft, submitted

State = MilestoneUpdate.State


def edit_url(milestone) -> str:
    return reverse("programmes:update_edit", kwargs={"pk": milestone.pk, "quarter": Q4.code})


def action_url(name: str, milestone) -> str:
    return reverse(f"programmes:update_{name}", kwargs={"pk": milestone.pk, "quarter": Q4.code})


def form_data(**overrides) -> dict[str, str]:
    return {"status": "green", "progress_percent": "95", "version": "", **overrides}


# --- services ----------------------------------------------------------------------------------


def test_update_save_creates_a_draft_with_the_suggested_status(milestone, lead):
    update = draft(
        milestone,
        lead,
        status="amber",
        progress_percent=80,
        commentary="Behind",
        path_to_green="Recruit",
        back_on_track_quarter=Q4.next(),
    )

    assert update.state == State.DRAFT
    assert update.version == 1
    assert update.suggested_status == "amber"
    assert update.created_by == lead
    assert update.history.get().history_user == lead


def test_update_save_refuses_a_stale_version_and_keeps_the_first_save(milestone, lead, approver):
    update = draft(milestone, lead)
    services.milestone_update_save(
        milestone=milestone,
        quarter=Q4,
        by=approver,
        expected_version=1,
        status="green",
        progress_percent=96,
        commentary="First save",
    )

    with pytest.raises(services.StaleEdit) as refused:
        services.milestone_update_save(
            milestone=milestone,
            quarter=Q4,
            by=lead,
            expected_version=1,
            status="green",
            progress_percent=99,
            commentary="Second save",
        )

    update.refresh_from_db()
    assert (update.commentary, update.progress_percent, update.version) == ("First save", 96, 2)
    assert refused.value.current.commentary == "First save"


def test_update_save_refuses_a_second_new_update_for_the_quarter(milestone, lead):
    draft(milestone, lead)

    with pytest.raises(services.StaleEdit):
        draft(milestone, lead, commentary="Mine")


@pytest.mark.parametrize("transition", ["submit", "approve"])
def test_transitions_refuse_a_stale_version(milestone, lead, approver, transition):
    update = draft(milestone, lead) if transition == "submit" else submitted(milestone, lead)
    stale = update.version - 1

    act = (
        services.milestone_update_submit
        if transition == "submit"
        else services.milestone_update_approve
    )
    by = lead if transition == "submit" else approver

    with pytest.raises(services.StaleEdit):
        act(update=update, by=by, expected_version=stale)


def test_submitted_and_approved_updates_are_locked_against_saving(milestone, lead, approver):
    update = approved(milestone, lead, approver)

    with pytest.raises(services.TransitionRefused, match="approved and can no longer be changed"):
        services.milestone_update_save(
            milestone=milestone,
            quarter=Q4,
            by=lead,
            expected_version=update.version,
            status="green",
            progress_percent=100,
        )
    update.refresh_from_db()
    assert update.progress_percent == 95


def test_approve_refuses_a_draft(milestone, lead, approver):
    update = draft(milestone, lead)

    with pytest.raises(services.TransitionRefused, match="only a submitted update"):
        services.milestone_update_approve(update=update, by=approver, expected_version=1)


def test_return_records_the_reason_and_sends_one_email_to_the_leads(
    milestone, lead, approver, django_capture_on_commit_callbacks
):
    update = submitted(milestone, lead)

    with django_capture_on_commit_callbacks(execute=True):
        returned = services.milestone_update_return(
            update=update, by=approver, reason="Add the risks", expected_version=update.version
        )

    assert returned.state == State.RETURNED
    assert returned.returned_reason == "Add the risks"
    assert (returned.decided_by, returned.decided_at is not None) == (approver, True)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lead@example.org"]
    assert "Update returned" in message.subject
    assert "Add the risks" in message.body
    assert "Sam Okafor" in message.body


def test_returned_email_links_with_the_sites_absolute_address(
    milestone, lead, approver, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://performance.bury.example"
    update = submitted(milestone, lead)

    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_update_return(
            update=update, by=approver, reason="Add the risks", expected_version=update.version
        )

    link = f"https://performance.bury.example/programmes/milestones/{milestone.pk}/"
    assert link in mail.outbox[0].body


def test_submit_and_approve_send_no_email(
    milestone, lead, approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved(milestone, lead, approver)

    assert mail.outbox == []


def test_reopen_unlocks_an_approved_update_with_a_recorded_reason(milestone, lead, approver):
    update = approved(milestone, lead, approver)

    reopened = services.milestone_update_reopen(
        update=update, by=approver, reason="Wrong figure", expected_version=update.version
    )

    assert reopened.state == State.DRAFT
    assert (reopened.reopened_reason, reopened.reopened_by) == ("Wrong figure", approver)
    assert reopened.history.first().history_change_reason == "Reopened: Wrong figure"


def test_reopen_refused_while_the_cycle_is_closed(milestone, lead, approver, cycle):
    update = approved(milestone, lead, approver)
    cycle.is_open = False
    cycle.save()

    with pytest.raises(services.TransitionRefused, match="cycle is closed"):
        services.milestone_update_reopen(
            update=update, by=approver, reason="Wrong figure", expected_version=update.version
        )
    update.refresh_from_db()
    assert update.state == State.APPROVED


# --- the pages, end to end with the test client ---------------------------------------------------


def test_amber_without_commentary_is_refused_with_linked_errors(client, milestone, lead):
    client.force_login(lead)

    response = client.post(edit_url(milestone), form_data(status="amber", progress_percent="80"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_commentary"' in page
    assert "Enter commentary: it is needed because the status is At risk (amber)" in page
    assert 'href="#id_path_to_green"' in page
    assert 'href="#id_back_on_track_quarter"' in page
    assert "<title>Error:" in page
    assert not MilestoneUpdate.objects.exists()


def test_override_without_reason_is_refused_and_the_rule_is_shown(client, milestone, lead):
    client.force_login(lead)

    response = client.post(edit_url(milestone), form_data(status="green", progress_percent="50"))

    page = response.content.decode()
    assert 'href="#id_override_reason"' in page
    assert "when the schedule suggests Off track (red)" in page
    assert "How the suggestion is worked out" in page
    assert "Up to 10 points behind is on track" in page


def test_lead_saves_submits_is_returned_resubmits_and_is_approved(
    client, milestone, lead, approver, django_capture_on_commit_callbacks
):
    lead_client, approver_client = client, Client()
    lead_client.force_login(lead)
    approver_client.force_login(approver)
    amber = form_data(
        status="amber",
        progress_percent="80",
        commentary="Consultation ran late",
        path_to_green="Extra consultation events",
        back_on_track_quarter="2025/26 Q1",
    )

    response = lead_client.post(edit_url(milestone), {**amber, "action": "submit"})
    assert response.status_code == 302
    update = MilestoneUpdate.objects.get()
    assert update.state == State.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = approver_client.post(
            action_url("return", milestone),
            {"return-reason": "Say who attends", "return-version": update.version},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    update.refresh_from_db()
    assert update.state == State.RETURNED

    page = lead_client.get(edit_url(milestone)).content.decode()
    assert "Say who attends" in page
    response = lead_client.post(
        edit_url(milestone),
        {
            **amber,
            "commentary": "Ran late; carers attend",
            "action": "submit",
            "version": update.version,
        },
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == State.SUBMITTED

    response = approver_client.post(action_url("approve", milestone), {"version": update.version})
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.decided_by) == (State.APPROVED, approver)
    assert len(mail.outbox) == 1  # no e-mail for the approval

    locked = lead_client.get(edit_url(milestone))
    assert locked.status_code == 403
    assert "is locked" in locked.content.decode()
    refused = lead_client.post(edit_url(milestone), {**amber, "version": update.version})
    assert refused.status_code == 403
    update.refresh_from_db()
    assert update.commentary == "Ran late; carers attend"


def test_return_without_a_reason_shows_the_error(client, milestone, lead, approver):
    update = submitted(milestone, lead)
    client.force_login(approver)

    response = client.post(action_url("return", milestone), {"return-version": update.version})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_return-reason"' in page
    update.refresh_from_db()
    assert update.state == State.SUBMITTED


def test_second_of_two_people_saving_is_refused_and_shown_the_difference(milestone, lead, approver):
    update = draft(milestone, lead, commentary="Original")
    first, second = Client(), Client()
    first.force_login(lead)
    second.force_login(approver)
    loaded = {"version": str(update.version)}

    saved = first.post(edit_url(milestone), form_data(commentary="First person's words", **loaded))
    refused = second.post(
        edit_url(milestone), form_data(commentary="Second person's words", **loaded)
    )

    assert saved.status_code == 302
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Someone else saved this update after you opened it" in page
    assert "First person&#x27;s words" in page  # the saved value
    assert "Second person&#x27;s words" in page  # theirs, kept in the form and the table
    assert "saved by Priya Shah" in page
    update.refresh_from_db()
    assert update.commentary == "First person's words"
    assert update.version == 2

    again = second.post(
        edit_url(milestone), form_data(commentary="Second person's words", version="2")
    )
    assert again.status_code == 302  # having seen the difference, they may save over it
    update.refresh_from_db()
    assert update.commentary == "Second person's words"


def test_two_people_starting_the_same_new_update_second_is_refused(milestone, lead, approver):
    first, second = Client(), Client()
    first.force_login(lead)
    second.force_login(approver)

    assert first.post(edit_url(milestone), form_data(commentary="Mine")).status_code == 302
    refused = second.post(edit_url(milestone), form_data(commentary="Theirs"))

    assert refused.status_code == 409
    assert MilestoneUpdate.objects.get().commentary == "Mine"


def test_saving_after_someone_else_submitted_is_refused_with_the_values_shown(
    milestone, lead, approver
):
    update = draft(milestone, lead)
    other = Client()
    other.force_login(approver)
    services.milestone_update_submit(update=update, by=lead, expected_version=update.version)

    response = other.post(
        edit_url(milestone), form_data(commentary="Late change", version=str(update.version))
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "awaiting approval" in page
    assert "Late change" in page
    update.refresh_from_db()
    assert update.commentary == ""


def test_reopen_page_flow_needs_a_reason(client, milestone, lead, approver):
    update = approved(milestone, lead, approver)
    client.force_login(approver)

    missing = client.post(action_url("reopen", milestone), {"reopen-version": update.version})
    assert missing.status_code == 200
    assert "Enter why you are reopening the approved update" in missing.content.decode()

    done = client.post(
        action_url("reopen", milestone),
        {"reopen-version": update.version, "reopen-reason": "Wrong progress figure"},
    )
    assert done.status_code == 302
    update.refresh_from_db()
    assert update.state == State.DRAFT
    client.force_login(lead)
    assert client.get(edit_url(milestone)).status_code == 200


def test_update_form_prefills_carried_over_values_from_last_quarter(client, milestone, lead):
    from tests.factories.programmes import MilestoneUpdateFactory

    MilestoneUpdateFactory(
        milestone=milestone, quarter=Q4.previous(), progress_percent=60, mitigations="Weekly"
    )
    client.force_login(lead)

    page = client.get(edit_url(milestone)).content.decode()

    assert 'value="60"' in page
    assert "Weekly" in page
