"""Import a file of measure values: `manage.py import_observations FILE [--format …] [--dry-run]`.

The same service as the browser upload: the file is checked as a whole and nothing is written
unless it is clean. Problems go to standard error, one line each, by row and column, and the
command exits with status 1. `--dry-run` prints what the import would change. A table in no
standard format is read through a mapping: `--mapping FILE.yaml` (as exported from the imports
page) or `--profile NAME` (a saved one). Revisions that blank values or override a
higher-ranked source, and values a unit column gives in another unit than their measure's,
are written only with `--confirm-overrides`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bury_hc.imports import ImportRefused, problems_truncated
from performance.importing import FORMAT_LABELS, ImportFormat
from performance.models import ImportMappingProfile
from performance.services import observations_import


class Command(BaseCommand):
    help = "Import measure values from a CSV or Excel file (checked as a whole first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or Excel (.xlsx) file.")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=["auto", *(f.value for f in ImportFormat)],
            default="auto",
            help="How the file is laid out: "
            + "; ".join(f"{f.value}: {FORMAT_LABELS[f]}" for f in ImportFormat)
            + ". Default: worked out from the headings (use --mapping or --profile for others).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and show the plan; write nothing."
        )
        parser.add_argument("--source", default="", help="Who published the data.")
        parser.add_argument(
            "--published-on", type=dt.date.fromisoformat, help="Publication date, YYYY-MM-DD."
        )
        parser.add_argument(
            "--profile",
            "--mapping-profile",
            dest="mapping_profile",
            help="A saved mapping, by name (for tables in no standard format).",
        )
        parser.add_argument(
            "--mapping",
            dest="mapping_file",
            type=Path,
            help="A mapping in a YAML file, for example one exported from the imports page.",
        )
        parser.add_argument(
            "--confirm-overrides",
            action="store_true",
            help="Write revisions that blank values or replace values from a higher-ranked "
            "source, and values in another unit than their measure's (without it, such an "
            "import is refused).",
        )
        parser.add_argument("--user", help="The username to record as having imported it.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        profile = None
        file_format = options["file_format"]
        if options["mapping_profile"]:
            profile = ImportMappingProfile.objects.filter(name=options["mapping_profile"]).first()
            if profile is None:
                names = ", ".join(ImportMappingProfile.objects.values_list("name", flat=True))
                raise CommandError(
                    f"There is no mapping profile “{options['mapping_profile']}”"
                    + (f" (there are: {names})." if names else ".")
                )
            file_format = ImportFormat.MAPPED.value
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user “{options['user']}”.")
        mapping = None
        if options["mapping_file"]:
            mapping = mapping_file_read(options["mapping_file"])
            file_format = ImportFormat.MAPPED.value
        if file_format == ImportFormat.MAPPED.value and profile is None and mapping is None:
            raise CommandError(
                "A table in no standard format needs --mapping FILE.yaml or --profile NAME."
            )
        try:
            outcome = observations_import(
                file_name=path.name,
                path=path,
                file_format=file_format,
                source=options["source"],
                published_on=options["published_on"],
                mapping=mapping,
                mapping_profile=profile,
                by=user,
                dry_run=options["dry_run"],
                overrides_confirmed=options["confirm_overrides"],
            )
        except ImportRefused as exc:
            shown, more = problems_truncated(exc.problems)
            total = getattr(exc, "total", len(exc.problems))
            for problem in shown:
                self.stderr.write(str(problem))
            if more or total > len(shown):
                self.stderr.write(f"… and {total - len(shown)} more problems.")
            raise CommandError(
                f"{path.name} was not imported: {total} problem{'s' if total != 1 else ''}. "
                "Nothing was written."
            ) from exc
        self.report(outcome.summary, dry_run=outcome.dry_run, file_name=path.name)

    def report(self, summary: dict[str, Any], *, dry_run: bool, file_name: str) -> None:
        write = self.stdout.write
        verb = "would" if dry_run else "did"
        write(
            f"{file_name}: {summary['rows_read']} rows read, {summary['values']} values for "
            f"{summary['measures']} measures."
        )
        write(
            f"The import {verb} add {summary['new']} new values, revise {summary['revised']} "
            f"and leave {summary['unchanged']} unchanged."
        )
        for entry in summary["skipped"]:
            write(f"Left out: {entry['rows']} rows: {entry['reason']}.")
        if summary["areas_to_register_count"]:
            names = ", ".join(a["name"] for a in summary["areas_to_register"][:10])
            more = summary["areas_to_register_count"] - min(10, len(summary["areas_to_register"]))
            write(
                f"It {verb} register {summary['areas_to_register_count']} areas from the file: "
                f"{names}{f' and {more} more' if more > 0 else ''}."
            )
        if summary["measures_to_create"]:
            write(
                f"It {verb} add {len(summary['measures_to_create'])} measures from the ASCOF "
                f"catalogue: {', '.join(summary['measures_to_create'])}."
            )
        for sample in summary["samples"]["revised"]:
            write(
                f"  Revised: {sample['measure']} {sample['area']} {sample['period']}: "
                f"{sample['old'] or 'blank'} → {sample['value'] or 'blank'}"
            )
        for sample in summary.get("review_samples", []):
            write(
                f"  To look at: {sample['measure']} {sample['area']} {sample['period']}: "
                f"{sample['old'] or 'blank'} → {sample['value'] or 'blank'} "
                f"(it {sample['reason']})."
            )
        for unit in summary.get("unit_mismatches", []):
            write(
                f"  Unit: {unit['measure']} is in {unit['measure_unit'] or 'no unit'}, the file "
                f"says “{unit['file_unit']}” ({unit['rows']} rows, first row {unit['first_row']})."
            )
        for warning in summary["warnings"]:
            write(f"Note: {warning}")
        if dry_run:
            write(self.style.WARNING("Dry run: nothing was written."))
        else:
            write(self.style.SUCCESS(f"Imported (batch {summary['batch_id']})."))


def mapping_file_read(path: Path) -> dict[str, Any]:
    """A mapping from a YAML file: a profile exported from the imports page (its `mapping`), or
    the mapping itself."""
    if not path.is_file():
        raise CommandError(f"There is no mapping file {path}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path.name} is not a YAML mapping: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("mapping"), dict):
        data = data["mapping"]
    if not isinstance(data, dict):
        raise CommandError(
            f"{path.name} does not hold a mapping: export one from the imports page, or write "
            "area, measure, period and value with the column each is in."
        )
    return data
