"""The permission matrix of the milestone cycle: each role × each page and action, GETs and
POSTs, including a lead of another programme and an approver of another programme."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from programmes.models import MilestoneUpdate
from tests.factories import user_with_role
from tests.programmes.conftest import Q4, approved, draft, submitted

PEOPLE = [
    "lead",  # leads the programme
    "other_lead",  # leads another programme
    "approver",  # performance team and the programme's approver (the demo analyst)
    "analyst",  # performance team, not the programme's approver
    "sro",  # approves the programme, Board member role, not the performance team
    "board",
    "scrutiny",
    "finance_officer",
    "admin",  # superuser
]
EVERYONE = set(PEOPLE)
EDITORS = {"lead", "approver", "analyst", "admin"}  # leads of the programme + performance team
APPROVERS = {"approver", "sro", "admin"}
TEAM = {"approver", "analyst", "admin"}
COMPLETENESS_READERS = {"approver", "analyst", "sro", "board", "scrutiny", "admin"}


@pytest.fixture
def person(
    request, lead, other_lead, approver, analyst, sro, board, scrutiny, finance_officer, admin
):
    return locals()[request.param]


def url(name: str, milestone=None, **kwargs) -> str:
    if name.startswith("update_"):
        kwargs = {"pk": milestone.pk, "quarter": Q4.code}
    elif name in ("milestone_detail", "milestone_edit"):
        kwargs = {"pk": milestone.pk}
    elif name in ("detail", "milestone_create", "plan_upload"):
        kwargs = {"slug": milestone.programme.slug}
    elif name == "cycle_edit":
        kwargs = {"quarter": Q4.code}
    return reverse(f"programmes:{name}", kwargs=kwargs)


READ_PAGES = ["list", "updates", "detail", "milestone_detail", "plan_template", "update_detail"]


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages_open_to_every_role(client, milestone, lead, person, page):
    draft(milestone, lead)
    client.force_login(person)

    assert client.get(url(page, milestone)).status_code == 200


@pytest.mark.parametrize(
    "page",
    [*READ_PAGES, "completeness", "cycles", "cycle_create", "milestone_create", "update_edit"],
)
def test_pages_refuse_a_user_without_a_role(client, milestone, page):
    client.force_login(user_with_role(None))

    assert client.get(url(page, milestone)).status_code == 403


@pytest.mark.parametrize("page", ["detail", "milestone_detail", "update_detail", "update_edit"])
def test_pages_send_an_anonymous_visitor_to_sign_in(client, milestone, page):
    response = client.get(url(page, milestone))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_completeness_page_for_the_performance_team_and_readers(client, milestone, person):
    client.force_login(person)

    response = client.get(url("completeness"))

    assert response.status_code == (200 if person.username in COMPLETENESS_READERS_NAMES else 403)


COMPLETENESS_READERS_NAMES = {"approver", "analyst", "sro", "board", "scrutiny", "admin"}


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
@pytest.mark.parametrize("page", ["cycles", "cycle_create", "cycle_edit"])
def test_cycle_pages_for_the_performance_team_only(client, milestone, person, page):
    client.force_login(person)

    response = client.get(url(page))

    assert response.status_code == (
        200 if person.username in {"approver", "analyst", "admin"} else 403
    )


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_cycle_change_posted_by_the_performance_team_only(client, milestone, person, cycle):
    client.force_login(person)

    response = client.post(
        url("cycle_edit"), {"opens_on": "1/4/2025", "deadline": "23/5/2025", "is_open": "on"}
    )

    cycle.refresh_from_db()
    if person.username in {"approver", "analyst", "admin"}:
        assert response.status_code == 302
        assert cycle.deadline.isoformat() == "2025-05-23"
    else:
        assert response.status_code == 403
        assert cycle.deadline.isoformat() == "2025-05-16"


NAME_OF = {
    "lead": "lead",
    "other.lead": "other_lead",
    "approver": "approver",
    "analyst": "analyst",
    "sro": "sro",
    "board": "board",
    "scrutiny": "scrutiny",
    "finance": "finance_officer",
    "admin": "admin",
}


def role_of(person) -> str:
    return NAME_OF[person.username]


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
@pytest.mark.parametrize("page", ["milestone_create", "milestone_edit", "plan_upload"])
def test_milestone_editing_pages_for_the_programmes_leads_and_the_team(
    client, milestone, person, page
):
    client.force_login(person)

    response = client.get(url(page, milestone))

    assert response.status_code == (200 if role_of(person) in EDITORS else 403)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_milestone_create_posted_by_editors_only(client, milestone, person):
    client.force_login(person)

    response = client.post(
        url("milestone_create", milestone), {"title": "New work", "due_quarter": "2025/26 Q2"}
    )

    created = milestone.programme.milestones.filter(title="New work").exists()
    if role_of(person) in EDITORS:
        assert (response.status_code, created) == (302, True)
    else:
        assert (response.status_code, created) == (403, False)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_milestone_edit_posted_by_editors_only(client, milestone, person):
    client.force_login(person)

    response = client.post(
        url("milestone_edit", milestone),
        {"title": "Renamed", "due_quarter": Q4.label, "version": milestone.version},
    )

    milestone.refresh_from_db()
    if role_of(person) in EDITORS:
        assert (response.status_code, milestone.title) == (302, "Renamed")
    else:
        assert response.status_code == 403
        assert milestone.title == "Approve the Bury Adult Carers Strategy"


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_plan_upload_posted_by_editors_only(client, milestone, person):
    client.force_login(person)
    upload = io.BytesIO(
        b"Priority,Key deliverables Q1,Key deliverables Q2,Key deliverables Q3,"
        b"Key deliverables Q4\nCarers,Consult carers,,,\n"
    )
    upload.name = "plan.csv"

    response = client.post(
        url("plan_upload", milestone), {"financial_year": "2025/26", "file": upload}
    )

    created = milestone.programme.milestones.filter(title="Consult carers").exists()
    if role_of(person) in EDITORS:
        assert (response.status_code, created) == (302, True)
    else:
        assert (response.status_code, created) == (403, False)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_update_form_for_the_programmes_leads_and_the_team(client, milestone, person):
    client.force_login(person)

    get = client.get(url("update_edit", milestone))
    post = client.post(url("update_edit", milestone), {"status": "green", "progress_percent": "95"})

    expected = (200, 302) if role_of(person) in EDITORS else (403, 403)
    assert (get.status_code, post.status_code) == expected
    assert MilestoneUpdate.objects.exists() == (role_of(person) in EDITORS)


def test_lead_of_another_programme_cannot_touch_this_programmes_milestone(
    client, milestone, lead, other_lead, other_milestone
):
    update = submitted(milestone, lead)
    client.force_login(other_lead)

    assert client.get(url("update_edit", milestone)).status_code == 403
    assert client.get(url("milestone_edit", milestone)).status_code == 403
    assert (
        client.post(url("update_submit", milestone), {"version": update.version}).status_code == 403
    )
    assert (
        client.post(url("update_approve", milestone), {"version": update.version}).status_code
        == 403
    )
    # …but their own programme's milestone is theirs to update
    assert client.get(url("update_edit", other_milestone)).status_code == 200


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_submit_by_the_programmes_leads_and_the_team(client, milestone, lead, person):
    update = draft(milestone, lead)
    client.force_login(person)

    response = client.post(url("update_submit", milestone), {"version": update.version})

    update.refresh_from_db()
    if role_of(person) in EDITORS:
        assert (response.status_code, update.state) == (302, "submitted")
    else:
        assert (response.status_code, update.state) == (403, "draft")


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
@pytest.mark.parametrize("action", ["approve", "return"])
def test_approve_and_return_by_the_programmes_approvers_only(
    client, milestone, lead, person, action
):
    update = submitted(milestone, lead)
    client.force_login(person)

    response = client.post(
        url(f"update_{action}", milestone),
        {"version": update.version, "return-version": update.version, "return-reason": "Why"},
    )

    update.refresh_from_db()
    if role_of(person) in APPROVERS:
        assert response.status_code == 302
        assert update.state == ("approved" if action == "approve" else "returned")
    else:
        assert (response.status_code, update.state) == (403, "submitted")


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_reopen_by_the_performance_team_only(client, milestone, lead, approver, person):
    update = approved(milestone, lead, approver)
    client.force_login(person)

    response = client.post(
        url("update_reopen", milestone),
        {"reopen-version": update.version, "reopen-reason": "Correction"},
    )

    update.refresh_from_db()
    if role_of(person) in TEAM:
        assert (response.status_code, update.state) == (302, "draft")
    else:
        assert (response.status_code, update.state) == (403, "approved")


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_nobody_edits_an_approved_update(client, milestone, lead, approver, person):
    approved(milestone, lead, approver)
    client.force_login(person)

    get = client.get(url("update_edit", milestone))
    post = client.post(url("update_edit", milestone), {"status": "red", "progress_percent": "1"})

    assert (get.status_code, post.status_code) == (403, 403)
    assert MilestoneUpdate.objects.get().status == "green"


@pytest.mark.parametrize(
    "page", ["update_submit", "update_approve", "update_return", "update_reopen"]
)
def test_action_urls_accept_post_only(client, milestone, admin, page):
    client.force_login(admin)

    assert client.get(url(page, milestone)).status_code == 405


@pytest.mark.parametrize("person", ["board", "scrutiny"], indirect=True)
def test_readers_see_no_edit_buttons(client, milestone, lead, person):
    update = submitted(milestone, lead)
    client.force_login(person)

    pages = [
        client.get(url("milestone_detail", milestone)).content.decode(),
        client.get(url("update_detail", milestone)).content.decode(),
        client.get(url("detail", milestone)).content.decode(),
    ]

    for page in pages:
        for button in [
            ">Edit milestone</a>",
            "Change the update</a>",
            ">Approve</button>",
            ">Return to the lead</button>",
            ">Add a milestone</a>",
            "milestone plan</a>",
            ">Reopen the update</button>",
            ">Submit for approval</button>",
        ]:
            assert button not in page
    assert update.milestone.title in pages[0]


def test_unknown_quarter_or_milestone_is_not_found(client, milestone, admin):
    client.force_login(admin)

    assert client.get(f"/programmes/milestones/{milestone.pk}/updates/Q9/").status_code == 404
    assert client.get(f"/programmes/milestones/{milestone.pk + 99}/").status_code == 404
    assert (
        client.get(
            reverse("programmes:update_edit", kwargs={"pk": milestone.pk + 99, "quarter": Q4.code})
        ).status_code
        == 404
    )


def test_update_form_refused_while_the_quarter_is_not_open(client, milestone, lead, cycle):
    cycle.is_open = False
    cycle.save()
    client.force_login(lead)

    response = client.get(url("update_edit", milestone))

    assert response.status_code == 403
    assert "Updates for 2024/25 Q4 are not open" in response.content.decode()


@pytest.mark.parametrize("person", ["lead"], indirect=True)
def test_progress_is_a_narrow_input_with_a_percent_suffix(client, milestone, person):
    client.force_login(person)

    page = client.get(url("update_edit", milestone)).content.decode()

    field = page[page.index('id="div_id_progress_percent"') :]
    assert '<div class="govuk-input__suffix" aria-hidden="true">%</div>' in field
    assert "govuk-input--width-5" in field[: field.index("</div>\n</div>")]
