"""The data-quality checks of an import: far-off values, gaps in a series, councils in no
comparator group; and the page that shows them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bury_hc.roles import Role
from performance.importing.quality import import_quality
from performance.models import ComparatorGroup, ObservationImport
from performance.services import observations_import
from tests.factories import user_with_role
from tests.factories.performance import AreaFactory, MeasureFactory, template_csv

pytestmark = pytest.mark.django_db
BURY, OLDHAM = "E08000002", "E08000004"


@pytest.fixture
def history():
    bury = AreaFactory(ons_code=BURY, name="Bury")
    AreaFactory(ons_code=OLDHAM, name="Oldham")
    group = ComparatorGroup.objects.create(slug="gm", name="Greater Manchester", short_name="GM")
    group.members.add(bury)
    MeasureFactory(code="ASC-WL-01", name="People waiting")
    months = {"Apr-24": "50", "May-24": "51", "Jun-24": "49", "Aug-24": "50", "Sep-24": "52"}
    observations_import(
        file_name="history.csv",
        content=template_csv(*(("ASC-WL-01", BURY, m, v, "") for m, v in months.items())),
        file_format="template",
    )


def import_october(bury_value: str):
    return observations_import(
        file_name="october.csv",
        content=template_csv(
            ("ASC-WL-01", BURY, "Oct-24", bury_value, ""), ("ASC-WL-01", OLDHAM, "Oct-24", "9", "")
        ),
        file_format="template",
    )


def test_a_value_far_from_its_series_is_shown_with_the_series_mean(history):
    batch = import_october("500").batch

    report = import_quality(batch_id=batch.id)

    assert report.large_move_count == 1
    move = report.large_moves[0]
    assert (move.area, move.period, move.value) == ("Bury", "October 2024", Decimal("500"))
    assert move.series_mean == Decimal("50.4")
    assert move.deviations > 3


def test_a_value_within_its_series_is_not_shown(history):
    batch = import_october("51").batch

    assert import_quality(batch_id=batch.id).large_moves == ()


def test_gaps_in_a_series_and_councils_in_no_group_are_listed(history):
    batch = import_october("51").batch

    report = import_quality(batch_id=batch.id)

    assert [(gap.area, gap.periods) for gap in report.missing_periods] == [("Bury", ("July 2024",))]
    assert report.areas_without_group == ((OLDHAM, "Oldham"),)


def test_the_quality_page_follows_an_applied_upload(client, history, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(user_with_role(Role.PERFORMANCE_ANALYST))
    client.post(
        reverse("performance:import_upload"),
        {
            "file_format": "template",
            "source": "Tests",
            "file": SimpleUploadedFile(
                "october.csv", template_csv(("ASC-WL-01", BURY, "Oct-24", "500", ""))
            ),
        },
    )
    upload = ObservationImport.objects.get()
    client.post(reverse("performance:import_confirm", args=[upload.pk]))

    result = client.get(reverse("performance:import_result", args=[upload.pk])).content.decode()
    page = client.get(reverse("performance:import_quality", args=[upload.pk])).content.decode()

    assert reverse("performance:import_quality", args=[upload.pk]) in result
    assert "See the dashboard for 2024/25 Q3" in result
    assert "The highlight report has no rows for 2024/25 Q3" in result
    assert "1 value more than 3 standard deviations" in page
    assert "July 2024" in page
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    assert client.get(reverse("performance:import_quality", args=[upload.pk])).status_code == 403
