"""The fund in the Bury demo data: £520m in three pools, two quarters of illustrative figures,
Q1 signed off, thresholds 1% and 3%, the efficiency schemes of the Locality Plan 2021, finance
staff with their organisations; and a second load changes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from bury_hc.periods import FinancialYear, Quarter
from bury_hc.roles import Role
from demo.loader import DemoDataError, demo_load
from finance import selectors
from finance.models import EfficiencyScheme, FinanceQuarter, QuarterlyFinancialPosition
from finance.variance import VarianceStatus
from plans.models import StaffProfile

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
Q1, Q2 = Quarter(2021, 1), Quarter(2021, 2)


@pytest.fixture
def loaded(shared_demo):
    return shared_demo


def test_demo_fund_sums_to_520m_in_both_quarters(loaded):
    for quarter in (Q1, Q2):
        summary = selectors.fund_quarter_summary(quarter=quarter)

        assert summary.total.budget == Decimal("520000000.00")
        assert {pool.key: pool.budget for pool in summary.pools} == {
            "pooled": Decimal("330000000.00"),
            "aligned": Decimal("150000000.00"),
            "in_view": Decimal("40000000.00"),
        }
        assert summary.total.reported_count == summary.total.line_count == 24


def test_demo_quarters_have_lines_beyond_amber_each_explained(loaded):
    for quarter, red_count in ((Q1, 1), (Q2, 4)):
        lines = selectors.fund_lines(quarter=quarter)
        red = [line for line in lines if line.status is VarianceStatus.RED]

        assert len(red) == red_count
        assert all(line.explanation for line in red)
    assert selectors.quarter_sign_off_problems(quarter=Q2) == []


def test_demo_q1_is_signed_off_by_the_finance_lead_and_q2_is_a_draft(loaded):
    q1 = FinanceQuarter.objects.get(quarter=Q1)

    assert q1.is_signed_off
    assert q1.signed_off_by.username == "finance.lead"
    assert q1.signed_off_at == dt.datetime(2021, 7, 29, 14, 0, tzinfo=dt.UTC)
    assert FinanceQuarter.objects.get(quarter=Q2).state == "draft"


def test_demo_thresholds_are_one_and_three_percent(loaded):
    thresholds = selectors.variance_thresholds_for(financial_year=FinancialYear(2021))

    assert (thresholds.green_within_percent, thresholds.amber_within_percent) == (1, 3)


def test_demo_positions_come_from_an_illustrative_import_batch(loaded):
    batches = {p.batch for p in QuarterlyFinancialPosition.objects.select_related("batch")}

    assert len(batches) == 1
    (batch,) = batches
    assert batch.kind == "finance"
    assert batch.file_name == "finance_2021_22_quarters.yaml"
    assert "Illustrative" in batch.source


def test_demo_holds_the_bury_care_organisation_scheme_from_the_seed(loaded):
    bco = EfficiencyScheme.objects.get(name__startswith="Bury Care Organisation")

    assert bco.organisation.short_name == "NCA"
    assert (bco.target, bco.identified, bco.risk_adjusted) == (
        Decimal("4900000.00"),
        Decimal("4100000.00"),
        Decimal("2500000.00"),
    )
    assert bco.recurrence == "recurrent"
    summary = selectors.efficiency_summary(financial_year=FinancialYear(2021))
    by_name = {group.organisation_short_name: group for group in summary.organisations}
    assert set(by_name) == {"Bury Council", "NCA", "NHS GM (Bury)", "Pennine Care"}
    assert by_name["NHS GM (Bury)"].target == Decimal("2100000.00")
    assert by_name["Bury Council"].target == Decimal("8000000.00")
    pcft = {scheme.name: scheme for scheme in by_name["Pennine Care"].schemes}
    assert pcft["Corporate redesign programme"].identified == Decimal("1400000.00")
    assert pcft["Non-recurrent savings"].recurrence == "non_recurrent"


def test_demo_finance_users_work_for_their_organisations(loaded):
    profiles = {
        profile.user.username: (profile.organisation.short_name, profile.user.groups.get().name)
        for profile in StaffProfile.objects.select_related("user", "organisation")
    }

    assert profiles == {
        "finance.council": ("Bury Council", Role.FINANCE_OFFICER.value),
        "finance.nhs": ("NHS GM (Bury)", Role.FINANCE_OFFICER.value),
        "finance.lead": ("Bury Council", Role.FINANCE_LEAD.value),
    }
    council = get_user_model().objects.get(username="finance.council")
    nhs_line = QuarterlyFinancialPosition.objects.filter(
        line__host_organisation__short_name="NHS GM (Bury)"
    ).first()
    assert not selectors.line_editable_by(user=council, line=nhs_line.line)


def test_demo_finance_loads_twice_without_change(loaded):
    positions = list(QuarterlyFinancialPosition.objects.order_by("pk").values())
    history = QuarterlyFinancialPosition.history.count()

    again = demo_load(fixtures_dir=FIXTURES, with_demo_users=True)

    assert not again.changed_anything
    assert list(QuarterlyFinancialPosition.objects.order_by("pk").values()) == positions
    assert QuarterlyFinancialPosition.history.count() == history


def test_demo_refuses_a_red_line_without_an_explanation(db, tmp_path):
    copy = shutil.copytree(FIXTURES, tmp_path / "fixtures")
    quarters = copy / "finance_2021_22_quarters.yaml"
    text = quarters.read_text()
    start = text.index("explanation:", text.index('"Continuing health care"'))
    end = text.index("}", start)
    quarters.write_text(text[:start].rstrip(", ") + text[end:])

    with pytest.raises(DemoDataError, match="Continuing health care 2021/22 Q1"):
        demo_load(fixtures_dir=copy, with_demo_users=True)
    assert not QuarterlyFinancialPosition.objects.exists()


def test_demo_summary_page_shows_the_pools_and_520m(client, loaded):
    client.force_login(get_user_model().objects.get(username="board.member"))

    page = client.get("/finance/").content.decode()

    for amount in ("£330.0m", "£150.0m", "£40.0m", "£520.0m"):
        assert amount in page
    assert "2021/22 Q2" in page
