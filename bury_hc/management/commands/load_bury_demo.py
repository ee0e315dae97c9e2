"""`python manage.py load_bury_demo`: load the Bury demo data from fixtures/ (safe to re-run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bury_hc.demo import DemoDataError, DemoLoadResult, demo_load


class Command(BaseCommand):
    help = (
        "Load the Bury demo data (locality plan, programmes, measures, the Q4 2024/25 adult "
        "social care figures, the fund, committees and one demo user per role) from fixtures/. "
        "Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fixtures-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures",
            help="Folder holding the demo data files (default: the project's fixtures/).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give existing demo users a new generated password (printed once).",
        )

    def handle(
        self, *args: Any, fixtures_dir: Path, reset_passwords: bool, verbosity: int, **options: Any
    ) -> None:
        try:
            result = demo_load(fixtures_dir=fixtures_dir, reset_passwords=reset_passwords)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity == 0:
            return  # quiet, as asked: new passwords are not shown (--reset-passwords sets others)
        self.print_summary(result)
        self.print_users(result)

    def print_summary(self, result: DemoLoadResult) -> None:
        self.stdout.write(f"Bury demo data from {result.fixtures_dir}")
        width = max(len(entity.label) for entity in result.changes)
        for entity in result.changes:
            self.stdout.write(
                f"  {entity.label.capitalize():<{width}}  {entity.created:>4} created"
                f"  {entity.updated:>4} updated  {entity.unchanged:>4} unchanged"
            )
        totals = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        if result.changed_anything:
            self.stdout.write(self.style.SUCCESS(f"Loaded: {totals}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"No changes: already loaded ({totals})."))

    def print_users(self, result: DemoLoadResult) -> None:
        self.stdout.write("")
        self.stdout.write("Demo users (username, role):")
        kept = []
        for user in result.users:
            line = f"  {user.username:<20} {user.role.value:<22} {user.full_name}"
            if user.password:
                line += f"  password: {user.password}"
                line += "  (new user)" if user.created else "  (password reset)"
            else:
                kept.append(user.username)
            self.stdout.write(line)
        if any(user.password for user in result.users):
            self.stdout.write(self.style.WARNING("Passwords are shown once only: note them now."))
        if kept:
            self.stdout.write(
                f"{', '.join(kept)} already exist and keep their passwords; run with "
                "--reset-passwords to give them new generated ones."
            )
