"""Two finance officers save the same line at the same moment, on real PostgreSQL: exactly one
save wins, the other is refused as stale, and nothing the first saved is lost. A sign-off and
an edit racing each other never leave an edit inside a signed-off quarter."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from finance import services
from finance.models import FinanceQuarter, QuarterlyFinancialPosition
from tests.factories.finance import PositionFactory
from tests.finance.conftest import Q1

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls) -> list[object]:
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def saving(fund, forecast: str):
    return lambda: services.position_save(
        line=fund.council_line,
        quarter=Q1,
        budget=Decimal("1000000.00"),
        actual_to_date=Decimal("250000.00"),
        forecast_outturn=Decimal(forecast),
        explanation="",
        by=fund.council_officer,
        expected_version=1,
    )


def test_of_two_simultaneous_saves_exactly_one_wins(fund):
    PositionFactory(line=fund.council_line, quarter=Q1)

    results = race(saving(fund, "1005000.00"), saving(fund, "995000.00"))

    winners = [r for r in results if isinstance(r, QuarterlyFinancialPosition)]
    refused = [r for r in results if isinstance(r, services.StaleEdit)]
    assert (len(winners), len(refused)) == (1, 1), results
    position = QuarterlyFinancialPosition.objects.get()
    assert position.version == 2
    assert position.forecast_outturn == winners[0].forecast_outturn
    assert position.history.count() == 2


def test_an_edit_racing_a_sign_off_never_lands_in_a_signed_off_quarter(fund):
    for line in (fund.council_line, fund.nhs_line, fund.aligned_line):
        PositionFactory(line=line, quarter=Q1)

    edit, sign_off = race(
        saving(fund, "1005000.00"),
        lambda: services.finance_quarter_sign_off(quarter=Q1, by=fund.lead),
    )

    assert FinanceQuarter.objects.get(quarter=Q1).is_signed_off, sign_off
    position = QuarterlyFinancialPosition.objects.get(line=fund.council_line)
    if isinstance(edit, services.QuarterLocked):
        assert position.version == 1  # refused: the quarter was signed off first
    else:
        assert isinstance(edit, QuarterlyFinancialPosition), edit
        assert position.version == 2  # landed before the sign-off took the lock
        signed_at = FinanceQuarter.objects.get(quarter=Q1).signed_off_at
        assert position.updated_at <= signed_at
