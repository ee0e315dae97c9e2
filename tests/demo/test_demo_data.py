"""The Bury demo data: the published figures arrive intact, and loading twice changes nothing."""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import io
import shutil
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from bury_hc.periods import FinancialYear, Month, Period, Quarter
from bury_hc.roles import Role
from demo.loader import DemoDataError, demo_load
from finance.models import BudgetPool, FinanceQuarter
from finance.selectors import fund_summary
from performance.models import (
    Area,
    ComparatorGroup,
    Measure,
    MeasureGroup,
    Observation,
    PublishedHighlight,
)
from performance.selectors import dashboard_rows
from plans.models import LocalityPlan, NeighbourhoodTeam, PartnershipBody
from programmes.models import Milestone, MilestoneUpdate, Programme
from scrutiny.models import Committee, Meeting

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
BURY = "E08000002"
DEMO_USERNAMES = [
    "programme.lead",
    "board.member",
    "scrutiny.officer",
    "performance.analyst",
    "administrator",
    "finance.council",
    "finance.nhs",
    "finance.lead",
]


@pytest.fixture
def loaded(shared_demo):
    return shared_demo


def bury_value(code: str, period: Period) -> Observation:
    return Observation.objects.get(
        measure__code=code,
        area__ons_code=BURY,
        period_type=period.type.value,
        period_start=period.start,
    )


def database_snapshot() -> dict[str, list[dict]]:
    """Every row of every table (many-to-many tables included), in primary key order."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


def password_hashes() -> dict[str, str]:
    return dict(
        get_user_model()
        .objects.filter(username__in=DEMO_USERNAMES)
        .values_list("username", "password")
    )


# --- the locality plan ---------------------------------------------------------------------


def test_demo_load_gives_the_2021_plan_its_objectives_outcomes_and_principles(loaded):
    plan = LocalityPlan.objects.get(short_name="Locality Plan 2021")

    assert plan.title == "Locality Plan for Health, Care and Wellbeing: 2021 refresh"
    assert not plan.is_current
    assert plan.objectives.count() == 9
    assert plan.objectives.get(number=1).text == (
        "We will seek to influence the factors that improve population health and well being "
        "and reduce health inequalities and foster inclusion"
    )
    assert plan.objectives.get(number=9).text == (
        "We will work to ensure high quality responsive services where people describe a good "
        "experience of their treatment"
    )
    assert plan.outcomes.count() == 4
    assert plan.outcomes.get(number=3).text == (
        "A local health and social care system that provides high quality services which are "
        "financially sustainable and clinically safe."
    )
    assert plan.working_principles.count() == 13


def test_demo_load_makes_the_2025_plan_current_with_four_priorities(loaded):
    plan = LocalityPlan.objects.get(is_current=True)

    assert plan.short_name == "Locality Plan 2025"
    assert plan.endorsed_on == dt.date(2025, 4, 7)
    assert list(plan.priorities.values_list("number", "title")) == [
        (1, "Scale our work on Population Health Management"),
        (2, "Drive Prevention, reducing prevalence and proactive care"),
        (3, "Transform the Model of Care in the Community"),
        (
            4,
            "Optimise Care in institutional settings and prioritising the key characteristics "
            "of reform.",
        ),
    ]
    assert plan.priorities.get(number=1).description == (
        "Improve population health and reduce health inequality of those in the most "
        "disadvantaged areas"
    )


def test_demo_load_names_the_five_neighbourhood_teams_in_the_plans_order(loaded):
    assert list(NeighbourhoodTeam.objects.values_list("name", flat=True)) == [
        "Prestwich",
        "Whitefield",
        "Radcliffe",
        "Bury town",
        "Ramsbottom/Tottington",
    ]


def test_demo_load_sets_up_the_partnership_bodies(loaded):
    board = PartnershipBody.objects.get(name="Locality Board")
    delivery = PartnershipBody.objects.get(name="Integrated Delivery Collaborative Board")

    assert "Dr Cathy Fines" in board.chair
    assert "Leader of the Council" in board.chair
    assert delivery.reports_to == board
    assert (
        PartnershipBody.objects.filter(
            name__in=["Health and Wellbeing Board", "Clinical and Professional Senate"]
        ).count()
        == 2
    )


# --- programmes and milestones -------------------------------------------------------------


def test_demo_load_creates_the_ten_programmes_with_their_exact_names(loaded):
    assert list(Programme.objects.order_by("number").values_list("number", "name")) == [
        (1, "Urgent Care"),
        (2, "Major Conditions including Cancer"),
        (3, "Learning Disabilities and Autism"),
        (4, "Complex Care"),
        (5, "Mental Health"),
        (6, "Primary Care"),
        (7, "Adult Social Care Transformation"),
        (8, "Ageing Well inc. frailty and dementia"),
        (9, "Planned care and community services"),
        (10, "End of Life and Palliative Care"),
    ]
    assert all(programme.priorities.exists() for programme in Programme.objects.all())


def test_demo_load_turns_corporate_plan_deliverables_into_2022_23_milestones(loaded):
    milestone = Milestone.objects.get(
        programme__slug="adult-social-care-transformation",
        title="Charging reform from January 2023",
    )

    assert milestone.due_quarter == Quarter(2022, 3)
    assert milestone.source == "Corporate Plan 2022-23, section 7.5"
    assert milestone.description == (
        "Implementation of the Adult Care White Paper (subject to legislation)"
    )
    due = {m.due_quarter for m in Milestone.objects.filter(source=milestone.source)}
    assert due == set(FinancialYear(2022).quarters)


def test_demo_load_adds_2024_25_milestones_without_inventing_updates(loaded):
    milestones = Milestone.objects.filter(due_quarter__gte=Quarter(2024, 1))

    assert 6 <= milestones.count() <= 10
    assert set(milestones.values_list("programme__slug", flat=True)) == {
        "adult-social-care-transformation",
        "learning-disabilities-and-autism",
    }
    assert MilestoneUpdate.objects.count() == 0


# --- measures and values -------------------------------------------------------------------


def test_demo_load_holds_burys_waiting_list_figures_with_lower_is_better(loaded):
    march = Period.for_month(Month(2025, 3))
    waiting = bury_value("ASC-WL-01", march)
    median = bury_value("ASC-WL-02", march)

    assert waiting.value == Decimal("54")
    assert median.value == Decimal("26")
    assert waiting.measure.polarity == median.measure.polarity == "lower"
    assert median.measure.unit == "days"


def test_demo_load_loads_the_twelve_highlight_measures_as_published(loaded):
    highlights = PublishedHighlight.objects.filter(quarter=Quarter(2024, 4)).order_by(
        "measure__highlight_order"
    )

    assert list(highlights.values_list("measure__highlight_order", flat=True)) == list(range(1, 13))
    assert [h.latest_value_as_published for h in highlights] == [
        "54", "26", "85%", "100%", "85%", "92%", "58", "275", "65%", "47%", "124", "84",
    ]  # fmt: skip
    assert [h.direction for h in highlights] == [
        "improving", "improving", "worsening", "improving", "worsening", "improving",
        "", "", "worsening", "improving", "", "worsening",
    ]  # fmt: skip
    assert Measure.objects.filter(in_highlight_report=True).count() == 12
    asked = bury_value("ASC-SG-01", Period.for_quarter(Quarter(2024, 4)))
    assert asked.value == Decimal("85")
    assert asked.measure.unit == "percentage"
    at_home = bury_value("ASC-IC-02", Period.for_financial_year(FinancialYear(2024)))
    assert at_home.value == Decimal("92")


def test_demo_load_keeps_the_obsessions_verbatim(loaded):
    obsessions = MeasureGroup.objects.filter(kind="obsession")

    assert obsessions.count() == 7
    assert obsessions.filter(
        name="Increase the number of people accessing care and support information and advice "
        "that promotes people's wellbeing and independence."
    ).exists()


def test_demo_load_records_burys_published_ranks(loaded):
    waiting = PublishedHighlight.objects.get(measure__code="ASC-WL-01")
    gm_rank = waiting.ranks.get(comparator_group__short_name="GM")
    short_term = PublishedHighlight.objects.get(measure__code="ASC-IC-01")

    assert (gm_rank.rank, gm_rank.out_of, gm_rank.as_at) == (3, 10, "2024/25 Q4")
    assert sorted(
        short_term.ranks.values_list("comparator_group__short_name", "rank", "out_of", "as_at")
    ) == [("NW", 8, 24, "2024/25 Q3"), ("Peers", 3, 16, "2023/24")]


def test_demo_load_compares_greater_manchester_waiting_lists(loaded):
    march = Period.for_month(Month(2025, 3))
    in_march = Observation.objects.filter(period_type="month", period_start=march.start)

    assert not in_march.filter(area__name="Trafford").exists()
    assert in_march.get(measure__code="ASC-WL-01", area__name="Oldham").value == 72
    over_six_months = in_march.get(measure__code="ASC-WL-05", area__ons_code=BURY)
    assert over_six_months.value is None
    assert over_six_months.value_note == "Not published"
    gm_median = in_march.get(measure__code="ASC-WL-02", area__ons_code="E47000001")
    assert gm_median.value == 30
    assert "average" in gm_median.value_note
    assert gm_median.area.kind == Area.Kind.COMBINED_AUTHORITY
    per_100k = Measure.objects.get(code="ASC-WL-04")
    assert (per_100k.unit, per_100k.decimal_places) == ("rate_per_100k", 1)


def test_demo_load_gives_each_long_term_service_series_twelve_months(loaded):
    series = Measure.objects.filter(code__startswith="ASC-LTS-")

    assert series.count() == 7  # "Residential" and "Residential Placement" are one series
    for measure in series:
        months = measure.observations.filter(area__ons_code=BURY, period_type="month")
        assert months.count() == 12, measure.code
        assert months.first().period_start == dt.date(2024, 4, 1)
        assert months.last().period_start == dt.date(2025, 3, 1)
    november = bury_value("ASC-LTS-04", Period.for_month(Month(2024, 11)))
    assert november.value == 341
    assert november.value_note == "As published; looks like a glitch in the source"


def test_demo_load_sets_up_areas_and_comparator_groups(loaded):
    assert ComparatorGroup.objects.get(short_name="GM").members.count() == 10
    assert ComparatorGroup.objects.get(short_name="GM").members.filter(name="Trafford").exists()
    north_west = ComparatorGroup.objects.get(short_name="NW")
    assert north_west.members.count() == north_west.published_size == 24
    assert not north_west.members.filter(is_active=False).exists()
    peers = ComparatorGroup.objects.get(short_name="Peers")
    assert (peers.published_size, peers.members.count()) == (16, 0)
    cumbria = Area.objects.get(ons_code="E10000006")
    assert not cumbria.is_active


def test_demo_load_records_one_import_batch_per_source_table(loaded):
    batches = {o.batch.file_name: o.batch for o in Observation.objects.select_related("batch")}

    # Loaded through the importers: the report's own tables through mappings, the others in
    # the long template.
    formats = {
        "highlight_report_2024_25_q4.csv": "mapped",
        "gm_waiting_list_2025_03.csv": "mapped",
        "longterm_services_2024_25.csv": "mapped",
        "safeguarding_2024_25_q4.csv": "template",
        "complaints_compliments_2024_25_q4.csv": "template",
        "workforce_2024_25_q4.csv": "template",
    }
    assert set(batches) == set(formats)
    for name, batch in batches.items():
        assert batch.sha256 == hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()
        assert batch.published_on == dt.date(2025, 6, 19)
        assert batch.file_format == formats[name]
    assert '"columns_are": "periods"' in batches["longterm_services_2024_25.csv"].notes


# --- the fund ------------------------------------------------------------------------------


def test_demo_load_splits_520m_across_the_three_pools(loaded):
    summary = fund_summary(financial_year=FinancialYear(2021))

    assert summary.total == Decimal("520000000.00")
    assert {pool.pool_type: pool.annual_budget for pool in summary.pools} == {
        "pooled": Decimal("330000000.00"),
        "aligned": Decimal("150000000.00"),
        "in_view": Decimal("40000000.00"),
    }
    assert BudgetPool.objects.get(pool_type="pooled").description.startswith(
        "all health, social care and health related functions it is possible"
    )


def test_demo_load_refuses_a_pool_whose_lines_do_not_add_up(db, tmp_path):
    copy = shutil.copytree(FIXTURES, tmp_path / "fixtures")
    finance = copy / "finance_2021_22.yaml"
    finance.write_text(finance.read_text().replace("annual_budget: 41862000", "annual_budget: 1"))

    with pytest.raises(DemoDataError, match="Pooled budget"):
        demo_load(fixtures_dir=copy, with_demo_users=True)
    assert not Programme.objects.exists()  # all or nothing


# --- committees ----------------------------------------------------------------------------


def test_demo_load_schedules_the_health_scrutiny_committee_of_19_june_2025(loaded):
    committee = Committee.objects.get(name="Health Scrutiny Committee")
    meeting = Meeting.objects.get(committee=committee)

    assert meeting.starts_at == dt.datetime(2025, 6, 19, 19, 0, tzinfo=ZoneInfo("Europe/London"))
    assert meeting.place == "Council Chamber, Town Hall, Bury, BL9 0SW"
    assert meeting.agenda_items.get(number=8).pages == "65 - 122"
    assert committee.contact_email == "J.R.Ashworth@bury.gov.uk"
    assert committee.members.get(role="Chair").name == "E FitzGerald"
    assert committee.members.count() == 11
    assert Committee.objects.get(name="Locality Board").partnership_body.name == "Locality Board"


# --- users ---------------------------------------------------------------------------------


def test_demo_load_creates_one_user_per_role(loaded):
    users = get_user_model().objects.filter(username__in=DEMO_USERNAMES)

    assert {user.groups.get().name for user in users} == {role.value for role in Role}
    lead = users.get(username="programme.lead")
    assert set(lead.led_programmes.values_list("name", flat=True)) == {
        "Adult Social Care Transformation",
        "Learning Disabilities and Autism",
    }
    assert users.get(username="performance.analyst").approved_programmes.count() == 10
    admin = users.get(username="administrator")
    assert admin.is_staff
    assert admin.is_superuser
    passwords = {user.username: user.password for user in loaded.users}
    for user in users:
        assert user.check_password(passwords[user.username])


# --- every row fits its model (lengths, choices), as PostgreSQL would insist ---------------


def test_demo_load_writes_only_rows_that_pass_model_validation(loaded):
    problems = []
    for label in ["bury_hc", "plans", "programmes", "performance", "finance", "scrutiny"]:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue  # simple-history's audit rows: written by the library, not the loader
            for instance in model._default_manager.all():
                try:
                    instance.full_clean(validate_unique=False, validate_constraints=False)
                except ValidationError as exc:
                    problems.append((model.__name__, instance.pk, exc.message_dict))
    assert problems == []


# --- idempotency ---------------------------------------------------------------------------


def test_demo_load_twice_changes_nothing(loaded):
    before = database_snapshot()

    again = demo_load(fixtures_dir=FIXTURES, with_demo_users=True)

    assert not again.changed_anything
    assert again.unchanged == loaded.created + loaded.updated
    assert all(user.password is None for user in again.users)
    after = database_snapshot()
    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    assert after == before


def test_load_bury_demo_command_keeps_and_resets_passwords(db):
    first = io.StringIO()
    call_command("load_bury_demo", "--with-demo-users", stdout=first)
    hashes = password_hashes()

    second = io.StringIO()
    call_command("load_bury_demo", "--with-demo-users", stdout=second)
    assert password_hashes() == hashes
    assert "No changes" in second.getvalue()
    assert "--reset-passwords" in second.getvalue()

    third = io.StringIO()
    call_command("load_bury_demo", "--with-demo-users", "--reset-passwords", stdout=third)
    reset = password_hashes()
    assert all(reset[name] != hashes[name] for name in DEMO_USERNAMES)
    for output in (first.getvalue(), third.getvalue()):
        for username in DEMO_USERNAMES:
            assert username in output
        for role in Role:
            assert role.value in output
        assert output.count("password: ") == len(DEMO_USERNAMES)


def test_load_bury_demo_command_creates_no_account_unless_asked(db):
    output = io.StringIO()
    call_command("load_bury_demo", stdout=output)

    assert not get_user_model().objects.exists()
    assert "password" not in output.getvalue()
    assert "--with-demo-users" in output.getvalue()
    assert Programme.objects.count() == 10
    assert not Programme.objects.filter(leads__isnull=False).exists()
    # The fixture's signed-off quarter names the finance lead's demo account: left unsigned.
    assert not FinanceQuarter.objects.filter(state=FinanceQuarter.State.SIGNED_OFF).exists()


def test_load_bury_demo_command_refuses_to_reset_passwords_without_demo_users(db):
    with pytest.raises(CommandError, match="--with-demo-users"):
        call_command("load_bury_demo", "--reset-passwords", stdout=io.StringIO())

    assert not get_user_model().objects.exists()


def test_demo_load_without_demo_users_keeps_an_earlier_runs_accounts_and_sign_off(loaded):
    hashes = password_hashes()

    again = demo_load(fixtures_dir=FIXTURES)

    assert again.users == ()
    assert not again.changed_anything
    assert password_hashes() == hashes
    signed = FinanceQuarter.objects.get(state=FinanceQuarter.State.SIGNED_OFF)
    assert signed.signed_off_by.username == "finance.lead"


# --- the pages' selectors see the data -----------------------------------------------------


def test_highlight_rows_show_the_waiting_list_after_loading(loaded):
    rows = {
        row.measure_code: row
        for row in dashboard_rows(quarter=Quarter(2024, 4), highlight_only=True)
    }

    assert len(rows) == 12
    waiting = rows["ASC-WL-01"]
    assert waiting.latest_value_text == "54"
    assert waiting.published.value_text == "54"
    assert rows["ASC-SG-01"].latest_value_text == "85%"
    assert rows["ASC-WL-02"].latest_value_text == "26 days"


# --- the loader needs nothing outside the fixtures folder ----------------------------------


def test_demo_load_reads_only_the_fixtures_folder_it_is_given(db, tmp_path, monkeypatch):
    copy = shutil.copytree(FIXTURES, tmp_path / "copied_fixtures")
    real_open = io.open
    opened = []

    def guarded_open(file, *args, **kwargs):
        path = Path(file) if isinstance(file, str | Path) else None
        if path is not None and path.suffix in {".csv", ".yaml", ".yml", ".txt", ".md"}:
            opened.append(path)
            if not path.resolve().is_relative_to(copy.resolve()):
                raise AssertionError(f"The demo loader opened {path}, outside its fixtures.")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(builtins, "open", guarded_open)

    result = demo_load(fixtures_dir=copy, with_demo_users=True)

    assert result.created > 0
    assert {path.name for path in opened} >= {"plans.yaml", "measures.yaml"}
