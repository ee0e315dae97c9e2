"""A year's milestone plan, uploaded in the Corporate Plan's "key deliverables by quarter"
shape: the template, all-or-nothing checking with row and column, provenance, idempotency."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest
from django.apps import apps
from django.urls import reverse

from bury_hc.imports import ImportRefused
from bury_hc.models import ImportBatch
from bury_hc.periods import FinancialYear, Quarter
from plans.models import LocalityPlan, NeighbourhoodTeam, Priority
from programmes import services
from programmes.models import Milestone

YEAR = FinancialYear(2025)
HEADINGS = services.PLAN_COLUMNS


def plan_csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for row in rows:
        writer.writerow(row + [""] * (len(HEADINGS) - len(row)))
    return out.getvalue().encode("utf-8")


GOOD = plan_csv(
    [
        "Implementation of the Adult Care White Paper",
        "Confirm the charging timetable",
        "Consult on charging",
        "• Train assessors\n• Publish the charging policy",
        "Charging reform in place",
        "programme.lead@example.org",
        "Radcliffe",
        "3",
    ],
    ["Carers", "", "", "", "Approve the carers strategy", "Carers Centre manager"],
)


@pytest.fixture
def reference(db):
    plan = LocalityPlan.objects.create(
        title="Locality Plan 2025", short_name="Locality Plan 2025", is_current=True
    )
    for number in (1, 2, 3, 4):
        Priority.objects.create(plan=plan, number=number, title=f"Priority {number}")
    NeighbourhoodTeam.objects.create(name="Radcliffe", order=3)
    return plan


def database_rows() -> dict[str, list]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("programmes").get_models()
    } | {"batches": list(ImportBatch.objects.values())}


def upload(programme, by, content: bytes = GOOD, name: str = "asc-plan-2025-26.csv"):
    return services.milestone_plan_import(
        content=content, file_name=name, programme=programme, financial_year=YEAR, by=by
    )


def test_template_download_has_the_headings_and_an_example(client, lead):
    client.force_login(lead)

    response = client.get(reverse("programmes:plan_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="milestone-plan-template.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADINGS
    assert rows[0][:5] == [
        "Priority",
        "Key deliverables Q1",
        "Key deliverables Q2",
        "Key deliverables Q3",
        "Key deliverables Q4",
    ]
    assert len(rows) == 2


def test_template_uploads_cleanly(reference, programme, lead, client):
    client.force_login(lead)
    template = client.get(reverse("programmes:plan_template")).content

    result = upload(programme, lead, template, "milestone-plan-template.csv")

    assert result.created == 5


def test_good_file_creates_milestones_with_provenance(reference, programme, lead):
    lead.email = "programme.lead@example.org"
    lead.save()

    result = upload(programme, lead)

    assert (result.created, result.updated, result.unchanged) == (6, 0, 0)
    batch = result.batch
    assert batch.kind == ImportBatch.Kind.MILESTONE_PLAN
    assert batch.file_name == "asc-plan-2025-26.csv"
    assert batch.sha256 == hashlib.sha256(GOOD).hexdigest()
    assert batch.imported_by == lead
    assert batch.row_count == 6
    train = Milestone.objects.get(title="Train assessors")
    assert train.due_quarter == Quarter(2025, 3)
    assert train.batch == batch
    assert train.description == "Implementation of the Adult Care White Paper"
    assert train.owner == lead
    assert train.neighbourhood.name == "Radcliffe"
    assert [p.number for p in train.priorities.all()] == [3]
    assert Milestone.objects.get(title="Publish the charging policy").due_quarter == Quarter(
        2025, 3
    )
    carers = Milestone.objects.get(title="Approve the carers strategy")
    assert (carers.owner, carers.owner_name) == (None, "Carers Centre manager")
    assert carers.history.get().history_user == lead


def test_reupload_of_the_same_file_changes_nothing(reference, programme, lead):
    first = upload(programme, lead)
    before = database_rows()

    again = upload(programme, lead)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert again.batch == first.batch
    assert database_rows() == before


def test_changed_row_updates_its_milestone_under_the_new_batch(reference, programme, lead):
    first = upload(programme, lead)
    changed = GOOD.replace(b"Carers Centre manager", b"Head of carers services")

    second = upload(programme, lead, changed, "asc-plan-v2.csv")

    assert (second.created, second.updated, second.unchanged) == (0, 1, 5)
    carers = Milestone.objects.get(title="Approve the carers strategy")
    assert carers.owner_name == "Head of carers services"
    assert carers.batch == second.batch != first.batch
    assert carers.version == 2
    assert carers.history.first().history_change_reason == "Updated from asc-plan-v2.csv"


def test_bad_row_leaves_the_database_unchanged_and_names_row_and_column(reference, programme, lead):
    before = database_rows()
    bad = plan_csv(
        ["Carers", "", "", "", "Approve the carers strategy"],
        ["Dementia", "Draft the strategy", "", "", "", "", "Bury North"],
        ["Prevention", "", "", "", "Publish", "", "", "1, 7"],
        ["Empty", "", "", "", ""],
    )

    with pytest.raises(ImportRefused) as refused:
        upload(programme, lead, bad)

    messages = [str(problem) for problem in refused.value.problems]
    assert messages[0].startswith("Row 3, column “Neighbourhood team”: “Bury North” is not a")
    assert messages[1].startswith("Row 4, column “Locality plan priorities”: “7” is not")
    assert messages[2].startswith("Row 5: The row has no deliverables")
    assert database_rows() == before


def test_missing_column_and_overlong_and_repeated_deliverables_are_refused(
    reference, programme, lead
):
    with pytest.raises(ImportRefused) as missing:
        upload(programme, lead, b"Priority,Q1\nCarers,Consult\n")
    assert "Row 1, column “Key deliverables Q1”: This column is missing" in str(
        missing.value.problems[0]
    )

    long_title = "x" * 300
    with pytest.raises(ImportRefused) as refused:
        upload(
            programme,
            lead,
            plan_csv(["A", long_title], ["B", "Consult", "", "", ""], ["C", "consult"]),
        )
    problems = [str(problem) for problem in refused.value.problems]
    assert problems[0].startswith("Row 2, column “Key deliverables Q1”")
    assert "longer than 255 characters" in problems[0]
    assert problems[1].startswith("Row 4, column “Key deliverables Q1”: “consult” is already")
    assert not Milestone.objects.exists()


def test_excel_upload_reads_lines_within_a_cell(reference, programme, lead):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    sheet.append(["Carers", "Consult carers\nAgree the offer", "", "", "Approve the strategy"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = upload(programme, lead, buffer.getvalue(), "plan.xlsx")

    assert result.created == 3
    assert set(Milestone.objects.values_list("title", flat=True)) == {
        "Consult carers",
        "Agree the offer",
        "Approve the strategy",
    }


def test_upload_page_lists_the_problems_and_saves_nothing(client, reference, programme, lead):
    client.force_login(lead)
    bad = io.BytesIO(plan_csv(["Dementia", "Draft the strategy", "", "", "", "", "Bury North"]))
    bad.name = "plan.csv"

    response = client.post(
        reverse("programmes:plan_upload", kwargs={"slug": programme.slug}),
        {"financial_year": "2025/26", "file": bad},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_file"' in page
    assert "Nothing has been saved" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in page
    assert "Neighbourhood team" in page
    assert not Milestone.objects.exists()
    assert not ImportBatch.objects.exists()


def test_upload_page_reports_what_it_did(client, reference, programme, lead):
    client.force_login(lead)
    good = io.BytesIO(GOOD)
    good.name = "asc-plan.csv"

    response = client.post(
        reverse("programmes:plan_upload", kwargs={"slug": programme.slug}),
        {"financial_year": "2025/26", "file": good},
        follow=True,
    )

    assert "asc-plan.csv uploaded: 6 milestones added, 0 changed, 0 already up to date" in (
        response.content.decode()
    )


def test_a_repeated_heading_is_refused_as_the_measure_import_refuses_it(reference, programme, lead):
    content = b",".join(h.encode() for h in [*HEADINGS, "Owner"]) + b"\nCarers,Consult\n"

    with pytest.raises(ImportRefused) as refused:
        upload(programme, lead, content)

    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [
        (1, "Owner", "This heading appears twice; rename one.")
    ]
    assert not Milestone.objects.exists()
