"""`manage.py import_observations`: problems on stderr by row and column, a non-zero exit, and
a dry run that writes nothing."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from bury_hc.models import ImportBatch
from performance.models import Observation
from performance.services import import_mapping_profile_save
from tests.factories import UserFactory
from tests.factories.performance import AreaFactory, MeasureFactory, csv_bytes, template_csv

pytestmark = pytest.mark.django_db
BURY = "E08000002"


@pytest.fixture
def catalogue():
    AreaFactory(ons_code=BURY, name="Bury")
    MeasureFactory(code="ASC-WL-01")


def write(tmp_path: Path, content: bytes, name: str = "values.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_dry_run_prints_the_plan_and_writes_nothing(catalogue, tmp_path):
    path = write(tmp_path, template_csv(("ASC-WL-01", BURY, "Mar-25", "54", "")))
    out = io.StringIO()

    call_command("import_observations", str(path), "--dry-run", "--source", "Tests", stdout=out)

    assert "would add 1 new values, revise 0 and leave 0 unchanged" in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert not Observation.objects.exists()
    assert not ImportBatch.objects.exists()


def test_import_records_the_user_source_and_publication_date(catalogue, tmp_path):
    user = UserFactory(username="performance.analyst")
    path = write(tmp_path, template_csv(("ASC-WL-01", BURY, "Mar-25", "54", "")))
    out = io.StringIO()

    call_command(
        "import_observations", str(path), "--format", "template", "--source", "Bury Council",
        "--published-on", "2025-06-19", "--user", "performance.analyst", stdout=out,
    )  # fmt: skip

    batch = Observation.objects.get().batch
    assert (batch.imported_by, batch.source, str(batch.published_on)) == (
        user,
        "Bury Council",
        "2025-06-19",
    )
    assert f"Imported (batch {batch.pk})" in out.getvalue()


def test_a_bad_file_lists_its_problems_on_stderr_and_fails(catalogue, tmp_path):
    path = write(
        tmp_path,
        template_csv(("ASC-WL-01", BURY, "Mar-25", "lots", ""), ("NOPE", BURY, "Mar-25", "1", "")),
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="was not imported: 2 problems"):
        call_command("import_observations", str(path), "--source", "Tests", stderr=err)

    assert err.getvalue().splitlines() == [
        "Row 2, column “value”: “lots” is not a number.",
        "Row 3, column “measure_code”: “NOPE” is not a measure in the catalogue: use a measure's "
        "code (for example ASC-WL-01), or add the measure to the catalogue first.",
    ]
    assert not Observation.objects.exists()


def test_a_mapping_profile_reads_a_table_in_no_standard_format(catalogue, tmp_path):
    import_mapping_profile_save(
        name="Monthly",
        mapping={
            "layout": "wide",
            "columns_are": "periods",
            "area": {"fixed": BURY},
            "measure": {"column": "series", "labels": {"Waiting": "ASC-WL-01"}},
        },
        by=None,
    )
    path = write(tmp_path, csv_bytes([["series", "Jan-25", "Feb-25"], ["Waiting", "60", "58"]]))

    call_command(
        "import_observations", str(path), "--mapping-profile", "Monthly", "--source", "Tests",
        stdout=io.StringIO(),
    )  # fmt: skip

    assert Observation.objects.count() == 2


def test_unknown_profiles_and_users_are_named(catalogue, tmp_path):
    path = write(tmp_path, template_csv(("ASC-WL-01", BURY, "Mar-25", "54", "")))

    with pytest.raises(CommandError, match="no mapping profile “Nope”"):
        call_command("import_observations", str(path), "--mapping-profile", "Nope")
    with pytest.raises(CommandError, match="no user “nobody”"):
        call_command("import_observations", str(path), "--user", "nobody")


def test_the_command_exits_non_zero_with_problems_on_stderr(tmp_path):
    """Run as a real process, as an analyst would (on a database that lacks the measure)."""
    path = write(tmp_path, template_csv(("ASC-WL-01", BURY, "Mar-25", "54", "")))
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    python = sys.executable
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    subprocess.run([python, manage, "migrate", "-v", "0"], env=env, check=True, timeout=300)

    result = subprocess.run(
        [python, manage, "import_observations", str(path), "--source", "Tests"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 1
    assert "Row 2, column “area_code”: “E08000002” is not an area" in result.stderr
    assert "Row 2, column “measure_code”" in result.stderr


def test_a_mapping_file_exported_from_the_browser_reads_a_table(catalogue, tmp_path):
    table = write(tmp_path, csv_bytes([["Where", "When", "How many"], [BURY, "Mar-25", "NA"]]))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "name: Waiting list\nmapping:\n  layout: long\n  area: {column: Where}\n"
        "  measure: {fixed: ASC-WL-01}\n  period: {column: When}\n"
        "  value: {column: How many}\n  missing_values: [NA]\n",
        encoding="utf-8",
    )

    call_command("import_observations", str(table), "--mapping", str(mapping), stdout=io.StringIO())

    observation = Observation.objects.get()
    assert (observation.value, observation.value_note) == (None, "Not available (NA)")


def test_a_table_in_no_standard_format_is_told_about_the_command_line_options(catalogue, tmp_path):
    table = write(tmp_path, csv_bytes([["Where", "When", "How many"], [BURY, "Mar-25", "5"]]))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_observations", str(table), stderr=err)

    assert "--mapping FILE.yaml" in err.getvalue()
    assert "--profile NAME" in err.getvalue()


def test_a_revision_that_blanks_a_value_needs_confirm_overrides(catalogue, tmp_path):
    call_command(
        "import_observations",
        str(write(tmp_path, template_csv(("ASC-WL-01", BURY, "Mar-25", "54", "")))),
        stdout=io.StringIO(),
    )
    blanking = write(tmp_path, template_csv(("ASC-WL-01", BURY, "Mar-25", "..", "")), "b.csv")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_observations", str(blanking), stderr=err, stdout=io.StringIO())
    assert "1 revision blank values" in err.getvalue()
    assert Observation.objects.get().value == 54

    call_command("import_observations", str(blanking), "--confirm-overrides", stdout=io.StringIO())
    assert Observation.objects.get().value is None
