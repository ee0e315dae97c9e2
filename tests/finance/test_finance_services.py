"""Writes to the fund: browser edits with optimistic locking, sign-off locking, reopening with
a reason, thresholds; each change recorded in the history with who and why."""

from decimal import Decimal

import pytest

from bury_hc.periods import FinancialYear
from finance import selectors, services
from finance.models import FinanceQuarter, QuarterlyFinancialPosition, VarianceThresholds
from tests.factories.finance import PositionFactory
from tests.finance.conftest import Q1, Q2

pytestmark = pytest.mark.django_db


def save(fund, *, expected_version, forecast="1000000.00", explanation="", **overrides):
    values = {
        "line": fund.council_line,
        "quarter": Q1,
        "budget": Decimal("1000000.00"),
        "actual_to_date": Decimal("250000.00"),
        "forecast_outturn": Decimal(forecast),
        "explanation": explanation,
        "by": fund.council_officer,
        "expected_version": expected_version,
        **overrides,
    }
    return services.position_save(**values)


def sign_off_everything(fund, quarter=Q1):
    for line in (fund.council_line, fund.nhs_line, fund.aligned_line):
        PositionFactory(line=line, quarter=quarter)
    return services.finance_quarter_sign_off(quarter=quarter, by=fund.lead)


# --- browser edits --------------------------------------------------------------------------


def test_position_save_creates_the_first_figures_with_history(fund):
    position = save(fund, expected_version=None, forecast="1005000.00")

    assert position.version == 1
    assert position.forecast_outturn == Decimal("1005000.00")
    assert position.updated_by == fund.council_officer
    (record,) = position.history.all()
    assert record.history_user == fund.council_officer
    assert record.history_change_reason == "Entered in the browser"


def test_position_save_updates_moves_the_version_and_clears_the_batch(fund):
    first = save(fund, expected_version=None)
    QuarterlyFinancialPosition.objects.filter(pk=first.pk).update(batch=None)

    second = save(fund, expected_version=1, forecast="1020000.00")

    assert second.version == 2
    assert second.batch is None
    assert second.history.count() == 2
    assert [h.forecast_outturn for h in second.history.order_by("history_date")] == [
        Decimal("1000000.00"),
        Decimal("1020000.00"),
    ]


def test_position_save_of_the_same_figures_changes_nothing(fund):
    first = save(fund, expected_version=None)

    again = save(fund, expected_version=1)

    assert again.version == 1
    assert first.history.count() == 1


def test_second_of_two_concurrent_saves_is_refused_and_the_first_is_kept(fund):
    save(fund, expected_version=None)  # version 1: both people open the form at version 1
    save(fund, expected_version=1, forecast="1008000.00")  # the first saves

    with pytest.raises(services.StaleEdit) as refused:
        save(fund, expected_version=1, forecast="990000.00")

    assert refused.value.current.forecast_outturn == Decimal("1008000.00")
    position = QuarterlyFinancialPosition.objects.get()
    assert (position.version, position.forecast_outturn) == (2, Decimal("1008000.00"))
    assert position.history.count() == 2


def test_a_form_opened_before_the_first_figures_is_stale_once_they_exist(fund):
    save(fund, expected_version=None)

    with pytest.raises(services.StaleEdit):
        save(fund, expected_version=None, forecast="1001000.00")
    assert QuarterlyFinancialPosition.objects.get().forecast_outturn == Decimal("1000000.00")


def test_position_save_refuses_a_red_line_without_explanation(fund):
    with pytest.raises(services.ExplanationMissing, match="is 4% over budget"):
        save(fund, expected_version=None, forecast="1040000.00")
    assert not QuarterlyFinancialPosition.objects.exists()

    saved = save(fund, expected_version=None, forecast="1040000.00", explanation="Demand")
    assert saved.explanation == "Demand"


def test_position_save_refuses_a_line_of_another_year(fund):
    with pytest.raises(ValueError, match="not one for"):
        save(fund, expected_version=None, quarter=Q1.shift(4))


# --- sign-off ---------------------------------------------------------------------------------


def test_sign_off_is_refused_until_every_line_has_figures(fund):
    PositionFactory(line=fund.council_line, quarter=Q1)

    with pytest.raises(services.SignOffRefused, match="2 budget lines have no figures"):
        services.finance_quarter_sign_off(quarter=Q1, by=fund.lead)
    assert not FinanceQuarter.objects.filter(state="signed_off").exists()


def test_sign_off_is_refused_while_a_red_line_is_unexplained(fund):
    PositionFactory(line=fund.council_line, quarter=Q1)
    PositionFactory(line=fund.nhs_line, quarter=Q1)
    PositionFactory(line=fund.aligned_line, quarter=Q1, forecast_outturn=Decimal("600000.00"))

    with pytest.raises(services.SignOffRefused, match="1 line is beyond the amber threshold"):
        services.finance_quarter_sign_off(quarter=Q1, by=fund.lead)


def test_sign_off_records_who_and_when_and_locks_edits(fund):
    finance_quarter = sign_off_everything(fund)

    assert finance_quarter.is_signed_off
    assert finance_quarter.signed_off_by == fund.lead
    assert finance_quarter.signed_off_at is not None
    with pytest.raises(services.QuarterLocked, match="signed off by Test User"):
        save(fund, expected_version=1, forecast="1001000.00")
    assert QuarterlyFinancialPosition.objects.get(line=fund.council_line).version == 1
    with pytest.raises(services.SignOffRefused, match="already signed off"):
        services.finance_quarter_sign_off(quarter=Q1, by=fund.lead)


def test_sign_off_locks_only_its_own_quarter(fund):
    sign_off_everything(fund, Q1)

    position = save(fund, expected_version=None, quarter=Q2)

    assert position.quarter == Q2


def test_reopen_records_who_and_why_and_unlocks(fund):
    sign_off_everything(fund)

    reopened = services.finance_quarter_reopen(
        quarter=Q1, by=fund.lead, reason="NHS GM revised the CHC forecast after sign-off"
    )

    assert reopened.state == FinanceQuarter.State.DRAFT
    assert reopened.reopened_by == fund.lead
    assert reopened.reopen_reason == "NHS GM revised the CHC forecast after sign-off"
    assert reopened.signed_off_by is None
    reasons = list(
        reopened.history.order_by("history_date").values_list(
            "history_change_reason", "history_user__username", "state"
        )
    )
    assert reasons[-2:] == [
        ("Signed off", "finance.lead", "signed_off"),
        ("Reopened: NHS GM revised the CHC forecast after sign-off", "finance.lead", "draft"),
    ]
    events = selectors.quarter_state(quarter=Q1, with_events=True).events
    assert [event.what for event in events][-2:] == [
        "Signed off",
        "Reopened: NHS GM revised the CHC forecast after sign-off",
    ]
    assert save(fund, expected_version=1, forecast="1001000.00").version == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_needs_a_reason(fund, reason):
    sign_off_everything(fund)

    with pytest.raises(ValueError, match="reason"):
        services.finance_quarter_reopen(quarter=Q1, by=fund.lead, reason=reason)
    assert FinanceQuarter.objects.get(quarter=Q1).is_signed_off


def test_reopen_of_a_draft_is_refused(fund):
    with pytest.raises(services.SignOffRefused, match="not signed off"):
        services.finance_quarter_reopen(quarter=Q1, by=fund.lead, reason="Why not")


# --- thresholds ----------------------------------------------------------------------------


def test_thresholds_set_is_idempotent_and_recorded(fund):
    year = FinancialYear(2021)

    thresholds, change = services.variance_thresholds_set(
        financial_year=year,
        green_within_percent=Decimal("1.5"),
        amber_within_percent=Decimal("4"),
        by=fund.lead,
    )
    _again, unchanged = services.variance_thresholds_set(
        financial_year=year,
        green_within_percent=Decimal("1.50"),
        amber_within_percent=Decimal("4.00"),
        by=fund.lead,
    )

    assert (change, unchanged) == ("updated", "unchanged")
    assert thresholds.updated_by == fund.lead
    assert VarianceThresholds.objects.get().history.count() == 2  # created, then updated
    assert selectors.variance_thresholds_for(financial_year=year).amber_within_percent == 4


def test_thresholds_out_of_order_are_refused(fund):
    with pytest.raises(ValueError, match="green ≤ amber"):
        services.variance_thresholds_set(
            financial_year=FinancialYear(2021),
            green_within_percent=Decimal("3"),
            amber_within_percent=Decimal("1"),
        )


def test_thresholds_default_to_one_and_three_percent(db):
    thresholds = selectors.variance_thresholds_for(financial_year=FinancialYear(2030))

    assert (thresholds.green_within_percent, thresholds.amber_within_percent) == (1, 3)
