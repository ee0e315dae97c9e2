"""Rebuild the dashboard snapshots, for every quarter or one (`--quarter 2024/25-Q4`)."""

from django.core.management.base import BaseCommand, CommandError

from bury_hc.periods import PeriodParseError, Quarter
from performance.snapshots import snapshots_rebuild


class Command(BaseCommand):
    help = "Rebuild the quarterly dashboard snapshots from the stored measure values."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--quarter",
            action="append",
            default=[],
            help="A quarter to rebuild, e.g. 2024/25-Q4 (repeatable). Default: every quarter.",
        )
        parser.add_argument("--measure", action="append", default=[], help="A measure code.")

    def handle(self, *args, quarter: list[str], measure: list[str], **options) -> None:
        try:
            quarters = [Quarter.parse(text) for text in quarter] or None
        except PeriodParseError as exc:
            raise CommandError(str(exc)) from exc
        measure_ids = None
        if measure:
            from performance.models import Measure

            found = dict(Measure.objects.filter(code__in=measure).values_list("code", "id"))
            unknown = sorted(set(measure) - set(found))
            if unknown:
                raise CommandError(f"No measure with the code {', '.join(unknown)}.")
            measure_ids = list(found.values())
        written = snapshots_rebuild(measure_ids=measure_ids, quarters=quarters)
        scope = ", ".join(q.label for q in quarters) if quarters else "every quarter"
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {written} snapshots ({scope})."))
