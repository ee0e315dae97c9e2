"""The pack forms: GOV.UK crispy forms like every other app's, and the shared stale-edit page."""

from __future__ import annotations

import re

from django.urls import reverse

from scrutiny.models import CommitteePack


def test_pack_edit_refuses_a_stale_save_with_409_and_shows_both_versions(
    client, draft_pack, officer
):
    client.force_login(officer)
    url = reverse("scrutiny:pack_edit", args=[draft_pack.pk])
    opened = {
        "title": "Draft pack",
        "sections": ["cover"],
        "cover_summary": "Alice's summary.",
        "version": draft_pack.version,
    }
    assert client.post(url, opened).status_code == 302

    response = client.post(url, {**opened, "cover_summary": "Bob's summary."})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this" in page
    assert "Your value (not saved)" in page
    assert "Bob&#x27;s summary." in page
    assert "Alice&#x27;s summary." in page
    assert CommitteePack.objects.get(pk=draft_pack.pk).cover["summary"] == "Alice's summary."


def test_pack_new_lays_out_its_fields_and_names_each_problem(client, meeting, officer):
    client.force_login(officer)

    response = client.post(
        reverse("scrutiny:pack_new", args=[meeting.pk]), {"title": "Pack", "quarter": "Q9"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert 'href="#id_quarter"' in page
    assert "is not a quarter" in page
    assert "Choose at least one section for the pack" in page
    assert 'for="id_agenda_item"' in page
    assert "Agenda item (optional)" in page
    pack_form = page[page.index('<form method="post" novalidate>') :]
    assert pack_form[: pack_form.index("</form>")].count('name="csrfmiddlewaretoken"') == 1


def test_pack_page_offers_the_file_formats_as_radios(client, draft_pack, officer):
    client.force_login(officer)

    page = client.get(reverse("scrutiny:pack", args=[draft_pack.pk])).content.decode()

    assert "Make a file of the draft pack" in page
    assert page.count('class="govuk-radios__input"') == 3
    assert re.search(r'value="pdf"\s+checked="checked"', page)
