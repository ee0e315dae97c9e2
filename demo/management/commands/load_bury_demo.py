"""`python manage.py load_bury_demo`: load the Bury demo data from fixtures/ (safe to re-run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.loader import DemoDataError, DemoLoadResult, demo_load


class Command(BaseCommand):
    help = (
        "Load the Bury demo data (locality plan, programmes, measures, the Q4 2024/25 adult "
        "social care figures, the fund and committees) from fixtures/; with --with-demo-users, "
        "one demo account per role too. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fixtures-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures",
            help="Folder holding the demo data files (default: the project's fixtures/).",
        )
        parser.add_argument(
            "--with-demo-users",
            action="store_true",
            help="Also create one demo account per role, one of them a superuser, each with a "
            "generated password (printed once). For trying the application: never on a real "
            "installation, where the usernames are known.",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="With --with-demo-users: give existing demo accounts a new generated password "
            "(printed once).",
        )

    def handle(
        self,
        *args: Any,
        fixtures_dir: Path,
        with_demo_users: bool,
        reset_passwords: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        if reset_passwords and not with_demo_users:
            raise CommandError("--reset-passwords resets the demo accounts: add --with-demo-users.")
        try:
            result = demo_load(
                fixtures_dir=fixtures_dir,
                with_demo_users=with_demo_users,
                reset_passwords=reset_passwords,
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity == 0:
            return  # quiet, as asked: new passwords are not shown (--reset-passwords sets others)
        self.print_summary(result)
        if with_demo_users:
            self.print_users(result)
        else:
            self.stdout.write(
                "No demo accounts were created or changed. Create real accounts in the admin "
                "(manage.py createsuperuser for the first); to try the application with one "
                "account per role, run again with --with-demo-users."
            )

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
