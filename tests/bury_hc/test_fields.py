"""QuarterField and FinancialYearField: stored as sortable values, read back as value objects."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max, Min

from bury_hc.fields import FinancialYearFormField, QuarterFormField
from bury_hc.periods import FinancialYear, Quarter
from finance.models import BudgetLine
from programmes.models import Milestone
from tests.factories import BudgetLineFactory, MilestoneFactory, ProgrammeFactory


def raw_column(model, column: str, pk: int):
    """The value as the database holds it, bypassing the field's conversion."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


# --- QuarterField -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quarter_field_round_trips_and_is_stored_as_the_first_day():
    milestone = MilestoneFactory(start_quarter=Quarter(2024, 1), due_quarter=Quarter(2024, 4))

    milestone.refresh_from_db()

    assert milestone.due_quarter == Quarter(2024, 4)
    assert milestone.start_quarter == Quarter(2024, 1)
    # SQLite hands back text, PostgreSQL a date: both are the quarter's first day.
    assert str(raw_column(Milestone, "due_quarter", milestone.pk)) == "2025-01-01"
    assert str(raw_column(Milestone, "start_quarter", milestone.pk)) == "2024-04-01"


@pytest.mark.django_db
def test_quarter_field_accepts_a_date_or_label_and_null():
    programme = ProgrammeFactory()
    by_date = Milestone.objects.create(
        programme=programme, title="By date", due_quarter=dt.date(2025, 2, 14)
    )
    by_label = Milestone.objects.create(
        programme=programme, title="By label", due_quarter="Q3 2024/25", start_quarter=None
    )

    assert Milestone.objects.get(pk=by_date.pk).due_quarter == Quarter(2024, 4)
    assert Milestone.objects.get(pk=by_label.pk).due_quarter == Quarter(2024, 3)
    assert Milestone.objects.get(pk=by_label.pk).start_quarter is None


@pytest.mark.django_db
def test_quarter_field_filters_and_sorts_across_the_year_boundary():
    programme = ProgrammeFactory()
    for quarter in [Quarter(2025, 1), Quarter(2024, 3), Quarter(2024, 4), Quarter(2023, 4)]:
        MilestoneFactory(programme=programme, title=f"Due {quarter}", due_quarter=quarter)

    due_by_q4 = Milestone.objects.filter(due_quarter__lte=Quarter(2024, 4)).order_by("due_quarter")
    ordered = list(Milestone.objects.order_by("due_quarter").values_list("due_quarter", flat=True))

    assert [m.due_quarter for m in due_by_q4] == [
        Quarter(2023, 4),
        Quarter(2024, 3),
        Quarter(2024, 4),
    ]
    assert ordered == [Quarter(2023, 4), Quarter(2024, 3), Quarter(2024, 4), Quarter(2025, 1)]
    assert Milestone.objects.filter(due_quarter=Quarter(2024, 4)).count() == 1
    assert Milestone.objects.filter(due_quarter="2024/25 Q4").count() == 1
    assert Milestone.objects.filter(due_quarter__gt=Quarter(2024, 4)).count() == 1
    assert (
        Milestone.objects.filter(due_quarter__in=[Quarter(2024, 3), Quarter(2025, 1)]).count() == 2
    )
    # A date in a lookup stands for the quarter containing it.
    assert Milestone.objects.filter(due_quarter__lte=dt.date(2024, 11, 15)).count() == 2
    assert Milestone.objects.filter(due_quarter=dt.date(2025, 3, 31)).count() == 1


@pytest.mark.django_db
def test_quarter_field_aggregates_come_back_as_quarters():
    programme = ProgrammeFactory()
    for quarter in [Quarter(2024, 2), Quarter(2025, 1)]:
        MilestoneFactory(programme=programme, due_quarter=quarter)

    result = Milestone.objects.aggregate(first=Min("due_quarter"), last=Max("due_quarter"))

    assert result == {"first": Quarter(2024, 2), "last": Quarter(2025, 1)}


@pytest.mark.django_db
def test_quarter_field_check_constraint_compares_quarters():
    milestone = MilestoneFactory.build(
        programme=ProgrammeFactory(), start_quarter=Quarter(2025, 1), due_quarter=Quarter(2024, 4)
    )

    with pytest.raises(ValidationError, match="milestone_starts_before_due"):
        milestone.full_clean()


def test_quarter_field_serialises_as_the_url_code():
    milestone = MilestoneFactory.build(due_quarter=Quarter(2024, 4))

    assert Milestone._meta.get_field("due_quarter").value_to_string(milestone) == "2024-25-Q4"


def test_quarter_field_to_python_rejects_nonsense():
    field = Milestone._meta.get_field("due_quarter")

    with pytest.raises(ValidationError, match="is not a quarter"):
        field.to_python("sometime soon")


# --- FinancialYearField -------------------------------------------------------------------------


@pytest.mark.django_db
def test_financial_year_field_round_trips_and_is_stored_as_the_start_year():
    line = BudgetLineFactory(financial_year=FinancialYear(2024))

    line.refresh_from_db()

    assert line.financial_year == FinancialYear(2024)
    assert raw_column(BudgetLine, "financial_year", line.pk) == 2024


@pytest.mark.django_db
def test_financial_year_field_filters_and_aggregates():
    for year in (2022, 2023, 2024):
        BudgetLineFactory(financial_year=FinancialYear(year), annual_budget=Decimal("100.00"))

    assert BudgetLine.objects.filter(financial_year__gte=FinancialYear(2023)).count() == 2
    assert BudgetLine.objects.filter(financial_year="2023/24").count() == 1
    assert BudgetLine.objects.filter(financial_year=2022).count() == 1
    assert BudgetLine.objects.aggregate(latest=Max("financial_year")) == {
        "latest": FinancialYear(2024)
    }


@pytest.mark.django_db
def test_financial_year_field_passes_model_validation():
    line = BudgetLineFactory.build(financial_year=FinancialYear(2024))
    line.pool.save()
    line.host_organisation.save()
    line.pool_id, line.host_organisation_id = line.pool.pk, line.host_organisation.pk

    line.full_clean()  # the integer range validators must not compare a FinancialYear with 0

    assert line.financial_year == FinancialYear(2024)


def test_financial_year_field_serialises_as_the_label():
    line = BudgetLineFactory.build(financial_year=FinancialYear(1999))

    assert BudgetLine._meta.get_field("financial_year").value_to_string(line) == "1999/00"


# --- Form fields --------------------------------------------------------------------------------


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "start_quarter", "due_quarter"]


class BudgetLineYearForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["financial_year"]


def test_model_forms_use_the_period_form_fields():
    assert isinstance(MilestoneForm.base_fields["due_quarter"], QuarterFormField)
    assert isinstance(BudgetLineYearForm.base_fields["financial_year"], FinancialYearFormField)


@pytest.mark.parametrize("text", ["2024/25 Q4", "Q4 2024/25", "2024-25-Q4", " q4 24/25 "])
def test_quarter_form_field_cleans_to_a_quarter(text):
    assert QuarterFormField().clean(text) == Quarter(2024, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2024/25 Q5",
            "“2024/25 Q5” is not a quarter: write it like 2024/25 Q4 (January to March 2025).",
        ),
        ("Q4", "“Q4” is not a quarter: write it like 2024/25 Q4 (January to March 2025)."),
        ("", "This field is required."),
    ],
)
def test_quarter_form_field_error_messages(text, message):
    with pytest.raises(ValidationError) as excinfo:
        QuarterFormField().clean(text)

    assert excinfo.value.messages == [message]


def test_quarter_form_field_optional_and_shows_labels():
    field = QuarterFormField(required=False)

    assert field.clean("") is None
    assert field.prepare_value(Quarter(2024, 4)) == "2024/25 Q4"
    assert field.prepare_value(dt.date(2025, 2, 1)) == "2024/25 Q4"
    assert field.help_text == "For example, 2024/25 Q4 (January to March 2025)"


@pytest.mark.parametrize("text", ["2024/25", "2024-25", "2024-2025", "FY2024/25"])
def test_financial_year_form_field_cleans_to_a_financial_year(text):
    assert FinancialYearFormField().clean(text) == FinancialYear(2024)


def test_financial_year_form_field_error_message():
    with pytest.raises(ValidationError) as excinfo:
        FinancialYearFormField().clean("2024/26")

    assert excinfo.value.messages == [
        "“2024/26” is not a financial year: write it like 2024/25 (April 2024 to March 2025)."
    ]
    assert FinancialYearFormField().prepare_value(2024) == "2024/25"


@pytest.mark.django_db
def test_milestone_model_form_validates_and_saves_quarters():
    programme = ProgrammeFactory()
    form = MilestoneForm(
        data={"title": "Open the hub", "start_quarter": "2024/25 Q1", "due_quarter": "Q4 2024/25"},
        instance=Milestone(programme=programme),
    )

    assert form.is_valid(), form.errors
    milestone = form.save()

    assert Milestone.objects.get(pk=milestone.pk).due_quarter == Quarter(2024, 4)
    assert MilestoneForm(instance=milestone)["due_quarter"].value() == "2024/25 Q4"


@pytest.mark.django_db
def test_milestone_model_form_reports_a_bad_quarter_on_the_field():
    form = MilestoneForm(
        data={"title": "Open the hub", "due_quarter": "2024 Q4"},
        instance=Milestone(programme=ProgrammeFactory()),
    )

    assert not form.is_valid()
    assert form.errors["due_quarter"] == [
        "“2024 Q4” is not a quarter: write it like 2024/25 Q4 (January to March 2025)."
    ]


@pytest.mark.django_db
def test_milestone_model_form_refuses_a_start_after_the_due_quarter():
    form = MilestoneForm(
        data={"title": "Open the hub", "start_quarter": "2025/26 Q1", "due_quarter": "2024/25 Q4"},
        instance=Milestone(programme=ProgrammeFactory()),
    )

    assert not form.is_valid()
    assert "milestone_starts_before_due" in str(form.errors)


@pytest.mark.django_db
def test_budget_line_model_form_validates_the_financial_year():
    line = BudgetLineFactory(financial_year=FinancialYear(2023))

    good = BudgetLineYearForm(data={"financial_year": "2024/25"}, instance=line)
    bad = BudgetLineYearForm(data={"financial_year": "2024"}, instance=line)

    assert good.is_valid(), good.errors
    assert good.save().financial_year == FinancialYear(2024)
    assert not bad.is_valid()
    assert bad.errors["financial_year"] == [
        "“2024” is not a financial year: write it like 2024/25 (April 2024 to March 2025)."
    ]
