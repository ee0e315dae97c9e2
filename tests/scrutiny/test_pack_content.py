"""Building, freezing and comparing packs from the Bury demo data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings

from bury_hc.services import StaleEdit
from performance.models import Observation
from performance.snapshots import snapshots_rebuild
from scrutiny import selectors, services
from scrutiny.models import CommitteePack, PackExport

WAITING = "Number of people on waiting list for ASC needs assessment"


def cells(export) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    with export.file.open("rb") as handle:
        workbook = load_workbook(handle)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def waiting_row(content):
    return next(row for row in content["performance"]["highlights"] if row["name"] == WAITING)


def test_demo_pack_has_the_seed_cover_and_q4_figures(demo):
    content = selectors.pack_content(pack=demo)

    cover = {field["key"]: field for field in content["cover"]}
    assert cover["summary"]["paragraphs"][0].startswith(
        "This is the Adult Social Care Department Quarter 4 Report for 2024-25."
    )
    assert cover["recommendations"]["items"] == ["To note the report."]
    assert cover["glossary"]["glossary"] == [["CQC", "Care Quality Commission"]]
    assert content["committee"] == "Health Scrutiny Committee"
    assert content["meeting_date"] == "19 June 2025"
    assert content["item_number"] == 8
    row = waiting_row(content)
    assert (row["value"], row["value_text"], row["period"]) == ("54", "54", "March 2025")
    assert {"group": "GM", "rank": 3, "out_of": 10} in [
        {k: r[k] for k in ("group", "rank", "out_of")} for r in row["published_ranks"]
    ]
    assert any(s["commentary"] for s in content["performance"]["sections"])
    assert any(m["what_good_looks_like"] for m in content["performance"]["data_sources"])


def test_pack_create_offers_the_previous_packs_cover(demo, demo_officer):
    pack = services.pack_create(
        meeting=demo.meeting,
        quarter=demo.quarter,
        title="Next",
        sections=["cover"],
        by=demo_officer,
    )
    assert pack.cover == demo.cover
    assert pack.state == CommitteePack.State.DRAFT


def test_pack_update_refuses_a_stale_version(draft_pack):
    services.pack_update(
        pack=draft_pack, expected_version=1, title="A", sections=["cover"], cover={"summary": "One"}
    )
    with pytest.raises(StaleEdit):
        services.pack_update(
            pack=draft_pack,
            expected_version=1,
            title="B",
            sections=["cover"],
            cover={"summary": "Two"},
        )
    draft_pack.refresh_from_db()
    assert (draft_pack.title, draft_pack.cover) == ("A", {"summary": "One"})


def test_published_pack_is_unchanged_by_a_revising_import(
    demo, demo_officer, django_capture_on_commit_callbacks
):
    demo.sections = ["cover", "performance", "programmes", "fund"]
    demo.save()
    pack = services.pack_publish(pack=demo, by=demo_officer)
    before = selectors.pack_content(pack=pack)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.pack_export_request(pack=pack, export_format="xlsx", by=demo_officer)
    export.refresh_from_db()
    assert export.state == PackExport.State.DONE
    first_sha = export.sha256

    latest = (
        Observation.objects.filter(
            measure__name=WAITING, area__ons_code=settings.HOME_AREA_ONS_CODE
        )
        .order_by("-period_end")
        .first()
    )
    Observation.objects.filter(pk=latest.pk).update(value=Decimal(99))
    snapshots_rebuild()

    pack = CommitteePack.objects.get(pk=pack.pk)
    assert waiting_row(selectors.pack_content_build(pack=pack))["value"] == "99"  # live moved
    assert selectors.pack_content(pack=pack) == before  # the published copy did not
    assert waiting_row(selectors.pack_content(pack=pack))["value"] == "54"
    with django_capture_on_commit_callbacks(execute=True):
        again = services.pack_export_request(pack=pack, export_format="xlsx", by=demo_officer)
    again.refresh_from_db()
    export.refresh_from_db()
    assert export.sha256 == first_sha
    assert cells(export) == cells(again)  # a new file of the published pack: same content
    assert pack.snapshot_sources["quarter"] == "2024-25-Q4"
    assert pack.snapshot_sources["import_batch_count"] > 0


def test_publishing_twice_keeps_the_first_snapshot(published_pack, officer):
    frozen_at = published_pack.published_at
    again = services.pack_publish(pack=published_pack, by=officer)
    assert again.published_at == frozen_at


def test_later_pack_shows_what_changed_since_the_last_published_pack(demo, demo_officer):
    services.pack_publish(pack=demo, by=demo_officer)
    latest = (
        Observation.objects.filter(
            measure__name=WAITING, area__ons_code=settings.HOME_AREA_ONS_CODE
        )
        .order_by("-period_end")
        .first()
    )
    Observation.objects.filter(pk=latest.pk).update(value=Decimal(61))
    snapshots_rebuild()
    later = services.pack_create(
        meeting=demo.meeting,
        quarter=demo.quarter,
        title="Later pack",
        sections=["performance", "changes"],
        by=demo_officer,
    )

    changes = selectors.pack_content(pack=later)["changes"]

    assert changes["since"].startswith(demo.title)
    waiting = next(c for c in changes["measures"] if c["name"] == WAITING)
    assert "revised from 54 to 61" in waiting["changes"]


def test_published_pack_cannot_be_edited(published_pack):
    with pytest.raises(services.PackNotEditable):
        services.pack_update(
            pack=published_pack,
            expected_version=published_pack.version,
            title="x",
            sections=["cover"],
            cover={},
        )


def test_pack_content_reads_in_a_bounded_number_of_queries(demo, django_assert_max_num_queries):
    # Snapshots (3), the catalogue, the sections, one commentary per report section (10), the
    # snapshot version: however many measures there are.
    with django_assert_max_num_queries(20):
        selectors.pack_content(pack=demo)
