"""With DATABASE_URL set the suite runs on PostgreSQL, and the database enforces the rules."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from bury_hc.periods import FinancialYear, Quarter
from finance.models import BudgetLine
from programmes.models import MilestoneUpdate
from tests.factories import BudgetLineFactory, MilestoneFactory

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_suite_runs_on_postgresql_test_database():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["NAME"].startswith("test_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), version()")
        database, version = cursor.fetchone()

    assert database == connection.settings_dict["NAME"]
    assert version.startswith("PostgreSQL")


def constraint_definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [name]
        )
        row = cursor.fetchone()
    assert row is not None, f"no constraint {name} in the database"
    return row[0]


@pytest.mark.django_db
def test_budget_not_negative_is_enforced_by_the_database():
    line = BudgetLineFactory(financial_year=FinancialYear(2024), annual_budget=Decimal("10.00"))

    assert "annual_budget >= " in constraint_definition("budget_not_negative")
    with pytest.raises(IntegrityError, match="budget_not_negative"), transaction.atomic():
        # .update() skips every Python-side check: only the database can refuse it.
        BudgetLine.objects.filter(pk=line.pk).update(annual_budget=Decimal("-0.01"))

    line.refresh_from_db()
    assert line.annual_budget == Decimal("10.00")


@pytest.mark.django_db
def test_progress_at_most_100_is_enforced_by_the_database():
    milestone = MilestoneFactory()

    assert "progress_percent <= 100" in constraint_definition("progress_at_most_100")
    with pytest.raises(IntegrityError, match="progress_at_most_100"), transaction.atomic():
        MilestoneUpdate.objects.create(
            milestone=milestone, quarter=Quarter(2024, 4), status="green", progress_percent=101
        )

    assert not MilestoneUpdate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_select_for_update_locks_the_row_against_another_connection():
    """Row locks are real on PostgreSQL (SQLite ignores select_for_update): a second
    connection asking for the same row with NOWAIT is refused while the first holds it."""
    line = BudgetLineFactory(financial_year=FinancialYear(2024))
    outcome: list[str] = []

    def try_to_lock() -> None:
        try:
            with transaction.atomic():
                BudgetLine.objects.select_for_update(nowait=True).get(pk=line.pk)
            outcome.append("locked")
        except DatabaseError as exc:
            outcome.append(type(exc).__name__)
        finally:
            connections.close_all()

    with transaction.atomic():
        BudgetLine.objects.select_for_update().get(pk=line.pk)
        other = threading.Thread(target=try_to_lock)
        other.start()
        other.join(timeout=30)

    assert outcome == ["OperationalError"]
