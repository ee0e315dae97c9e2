"""The import pages: who may see them, and the journey upload → check → confirm → result, with
the mapping step for a table in no standard format and a rollback."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bury_hc.models import ImportBatch
from bury_hc.roles import Role
from performance.forms.imports import label_field_name
from performance.models import ImportMappingProfile, Observation, ObservationImport
from tests.factories import user_with_role
from tests.factories.performance import AreaFactory, MeasureFactory, csv_bytes, template_csv

pytestmark = pytest.mark.django_db
BURY = "E08000002"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def analyst(client):
    AreaFactory(ons_code=BURY, name="Bury")
    MeasureFactory(code="ASC-LTS-01", name="Residential placements")
    MeasureFactory(code="ASC-LTS-02", name="Home care")
    user = user_with_role(Role.PERFORMANCE_ANALYST)
    client.force_login(user)
    return user


def upload(client, content: bytes, name: str = "values.csv", **fields):
    data = {"file_format": "template", "source": "Bury Council", **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("performance:import_upload"), data)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 403),
        (Role.BOARD_MEMBER, 403),
        (Role.PROGRAMME_LEAD, 403),
        (Role.FINANCE_OFFICER, 403),
        (Role.PERFORMANCE_ANALYST, 200),
        (Role.ADMINISTRATOR, 200),
    ],
)
@pytest.mark.parametrize(
    "name", ["import_list", "import_upload", "import_template", "import_profile_export"]
)
def test_import_pages_are_for_analysts_and_administrators(client, role, status, name):
    client.force_login(user_with_role(role))
    kwargs = {}
    if name == "import_profile_export":
        kwargs["pk"] = ImportMappingProfile.objects.create(name="Saved", mapping={}).pk

    assert client.get(reverse(f"performance:{name}", kwargs=kwargs)).status_code == status


def test_import_pages_need_a_sign_in(client):
    response = client.get(reverse("performance:import_upload"))

    assert response.status_code == 302
    assert response.url.startswith("/sign-in/")


def test_an_upload_is_checked_previewed_confirmed_and_listed(client, analyst):
    content = template_csv(("ASC-LTS-01", BURY, "Mar-25", "648", ""))

    response = upload(client, content)

    upload_row = ObservationImport.objects.get()
    assert response.url == reverse("performance:import_check", args=[upload_row.pk])
    page = client.get(response.url).content.decode()
    assert "Check what the import will change" in page
    assert "Residential placements" in page
    assert not Observation.objects.exists()

    response = client.post(reverse("performance:import_confirm", args=[upload_row.pk]))

    assert response.url == reverse("performance:import_result", args=[upload_row.pk])
    result = client.get(response.url).content.decode()
    assert "File imported" in result
    assert "?quarter=2024-25-Q4" in result
    observation = Observation.objects.get()
    assert observation.batch.imported_by == analyst
    upload_row.refresh_from_db()
    assert (upload_row.state, upload_row.rows_done, upload_row.rows_total) == ("applied", 1, 1)
    listing = client.get(reverse("performance:import_list")).content.decode()
    assert "values.csv" in listing
    assert observation.batch.sha256[:12] in listing


def test_problems_are_shown_by_row_and_column_and_nothing_is_saved(client, analyst):
    content = template_csv(("ASC-LTS-01", BURY, "Mar-25", "six hundred", ""))

    response = upload(client, content)
    page = client.get(response.url).content.decode()

    assert "The file was not imported" in page
    assert "There is a problem" in page
    assert "“six hundred” is not a number." in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in page
    assert not Observation.objects.exists()
    assert ObservationImport.objects.get().state == "refused"


def test_upload_form_errors_are_summarised(client, analyst):
    response = client.post(reverse("performance:import_upload"), {"source": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose the file to import" in page
    assert "Enter who published the figures" in page


WIDE = csv_bytes(
    [["Service", "Apr-24", "May-24"], ["Residential", "618", "639"], ["Home", "764", ""]]
)


def test_a_table_in_no_standard_format_is_mapped_then_checked(client, analyst):
    response = upload(client, WIDE, name="services.csv", file_format="mapped")
    pk = ObservationImport.objects.get().pk
    assert response.url == reverse("performance:import_mapping", args=[pk])
    page = client.get(response.url).content.decode()
    assert "Which columns hold what" in page
    assert "“Service”" in page

    choices = {
        "layout": "wide",
        "columns_are": "periods",
        "value_columns": ["Apr-24", "May-24"],
        "area_fixed": BURY,
        "measure_column": "Service",
        "save_as": "Monthly services",
    }
    asked = client.post(reverse("performance:import_mapping", args=[pk]), choices)
    assert asked.status_code == 200
    assert "“Residential” means" in asked.content.decode()
    assert "There is a problem" not in asked.content.decode()

    response = client.post(
        reverse("performance:import_mapping", args=[pk]),
        {
            **choices,
            label_field_name("Residential"): "ASC-LTS-01",
            label_field_name("Home"): "ASC-LTS-02",
        },
    )

    assert response.url == reverse("performance:import_check", args=[pk])
    page = client.get(response.url).content.decode()
    assert "Check what the import will change" in page
    assert "Blank cells" in page
    profile = ImportMappingProfile.objects.get(name="Monthly services")
    assert profile.mapping["measure"]["labels"] == {
        "Residential": "ASC-LTS-01",
        "Home": "ASC-LTS-02",
    }
    client.post(reverse("performance:import_confirm", args=[pk]))
    assert Observation.objects.count() == 3

    # Next quarter: the saved mapping goes straight to the check.
    next_quarter = csv_bytes([["Service", "Jun-24"], ["Residential", "640"], ["Home", "748"]])
    response = upload(
        client, next_quarter, name="june.csv", file_format="mapped", mapping_profile=profile.pk
    )
    latest = ObservationImport.objects.latest("created_at")
    assert response.url == reverse("performance:import_check", args=[latest.pk])
    assert latest.plan["new"] == 2


def test_an_import_is_rolled_back_from_its_page(client, analyst):
    upload(client, template_csv(("ASC-LTS-01", BURY, "Mar-25", "648", "")))
    client.post(reverse("performance:import_confirm", args=[ObservationImport.objects.get().pk]))
    batch = ImportBatch.objects.get()

    confirm = client.get(reverse("performance:import_rollback", args=[batch.pk]))
    assert "Roll back this import?" in confirm.content.decode()
    response = client.post(reverse("performance:import_rollback", args=[batch.pk]), follow=True)

    assert "was rolled back" in response.content.decode()
    assert not Observation.objects.exists()
    batch.refresh_from_db()
    assert batch.status == "rolled_back"


def test_progress_answers_in_json_for_the_poll(client, analyst):
    upload(client, template_csv(("ASC-LTS-01", BURY, "Mar-25", "648", "")))
    row = ObservationImport.objects.get()
    ObservationImport.objects.filter(pk=row.pk).update(
        state="importing", rows_total=10, rows_done=4
    )

    page = client.get(reverse("performance:import_progress", args=[row.pk]))
    data = client.get(reverse("performance:import_progress", args=[row.pk]) + "?format=json").json()

    assert '<progress id="job-progress-bar" class="app-progress" max="10" value="4">' in (
        page.content.decode()
    )
    assert "Refresh this page" in page.content.decode()
    assert (data["rows_done"], data["rows_total"], data["finished"]) == (4, 10, False)


def test_the_template_downloads_as_csv(client, analyst):
    response = client.get(reverse("performance:import_template"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").startswith("measure_code,area_code,period,value")


def test_a_saved_mapping_asks_about_a_label_it_does_not_know(client, analyst):
    profile = ImportMappingProfile.objects.create(
        name="Monthly services",
        mapping={
            "layout": "wide",
            "columns_are": "periods",
            "area": {"fixed": BURY},
            "measure": {"column": "Service", "labels": {"Residential": "ASC-LTS-01"}},
        },
    )
    # The file's first label is new; the known one comes second (a position would mislead).
    renamed = csv_bytes([["Service", "Jun-24"], ["Discharges", "79.9"], ["Residential", "640"]])
    upload(client, renamed, name="june.csv", file_format="mapped", mapping_profile=profile.pk)
    latest = ObservationImport.objects.latest("created_at")

    assert latest.state == "refused"  # the new label is not a measure: never inherited
    page = client.get(reverse("performance:import_mapping", args=[latest.pk])).content.decode()
    form = page[page.index("Which measure each label means") :]
    assert "“Discharges” means" in form
    assert "“Residential” means" in form
    new_field = f'name="{label_field_name("Discharges")}"'
    known_field = f'name="{label_field_name("Residential")}"'
    new_select = form[form.index(new_field) : form.index("</select>", form.index(new_field))]
    known_select = form[form.index(known_field) : form.index("</select>", form.index(known_field))]
    assert 'value="" selected' in new_select  # asked about, with nothing chosen for it
    assert 'value="ASC-LTS-01" selected' in known_select  # matched by its text


def test_revisions_that_blank_values_need_the_analysts_tick(client, analyst):
    upload(client, template_csv(("ASC-LTS-01", BURY, "Mar-25", "648", "")), name="first.csv")
    client.post(reverse("performance:import_confirm", args=[ObservationImport.objects.get().pk]))
    upload(client, template_csv(("ASC-LTS-01", BURY, "Mar-25", "NA", "")), name="blank.csv")
    second = ObservationImport.objects.latest("created_at")

    page = client.get(reverse("performance:import_check", args=[second.pk])).content.decode()
    assert "1 replaces a value with none" in page
    assert page.index("revisions-to-review") < page.index("overrides_confirmed")
    unticked = client.post(reverse("performance:import_confirm", args=[second.pk]), follow=True)
    assert "Tick the box" in unticked.content.decode()
    assert Observation.objects.get().value == 648

    client.post(
        reverse("performance:import_confirm", args=[second.pk]), {"overrides_confirmed": "yes"}
    )

    observation = Observation.objects.get()
    assert (observation.value, observation.value_note) == (None, "Not available (NA)")
    measure_page = client.get(reverse("performance:measure", args=["ASC-LTS-01"]))
    assert "was 648" in measure_page.content.decode()


def test_a_saved_mapping_downloads_as_yaml(client, analyst):
    profile = ImportMappingProfile.objects.create(
        name="Monthly services", mapping={"layout": "long", "value": {"column": "v"}}
    )

    listing = client.get(reverse("performance:import_list")).content.decode()
    response = client.get(reverse("performance:import_profile_export", args=[profile.pk]))

    assert reverse("performance:import_profile_export", args=[profile.pk]) in listing
    assert response["Content-Disposition"] == 'attachment; filename="monthly-services.yaml"'
    assert yaml.safe_load(response.content)["mapping"] == profile.mapping


def test_values_in_another_unit_are_shown_above_the_button_and_need_the_tick(client, analyst):
    """A Fingertips-derived table with a unit column: the mapping offers the column, and the
    check names the measure, the file's unit and the measure's, before the confirm button."""
    MeasureFactory(code="ASC-DS-01", name="Discharges home", unit="percentage")
    table = csv_bytes(
        [
            ["area_code", "area_name", "period", "indicator", "measure", "unit", "value"],
            [BURY, "Bury", "2023/24", "ASC-DS-01", "Discharges home", "%", "79.9"],
            [BURY, "Bury", "2022/23", "ASC-DS-01", "Discharges home", "per 100,000", "985.2"],
        ]
    )
    upload(client, table, name="fingertips.csv", file_format="mapped")
    pk = ObservationImport.objects.get().pk
    mapping_page = client.get(reverse("performance:import_mapping", args=[pk])).content.decode()
    assert '<option value="unit" selected>unit</option>' in mapping_page
    client.post(
        reverse("performance:import_mapping", args=[pk]),
        {
            "layout": "long",
            "area_column": "area_code",
            "measure_column": "indicator",
            "period_column": "period",
            "value_column": "value",
            "unit_column": "unit",
        },
    )

    page = client.get(reverse("performance:import_check", args=[pk])).content.decode()

    assert "1 value is given in another unit than its measure" in page
    table_html = page[
        page.index('id="unit-mismatches"') : page.index(
            "</table>", page.index('id="unit-mismatches"')
        )
    ]
    cells = re.findall(r'<td class="[^"]*">(.*?)</td>', table_html)
    assert cells == ["ASC-DS-01: Discharges home", "per 100,000", "Per cent", "1", "3"]
    assert (
        page.index("unit-mismatches")
        < page.index("overrides_confirmed")
        < page.index("Import 2 values")
    )
    unticked = client.post(reverse("performance:import_confirm", args=[pk]), follow=True)
    assert "Tick the box" in unticked.content.decode()
    assert not Observation.objects.exists()

    client.post(reverse("performance:import_confirm", args=[pk]), {"overrides_confirmed": "yes"})

    assert Observation.objects.count() == 2
