"""The fund's pages: the permission matrix (each role × each page and each action), and what
people see when they enter, upload, sign off and reopen."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bury_hc.roles import Role
from finance import services
from finance.models import FinanceQuarter, QuarterlyFinancialPosition, VarianceThresholds
from tests.factories import ProgrammeFactory, user_with_role
from tests.factories.finance import (
    EfficiencySchemeFactory,
    FinanceQuarterFactory,
    PositionFactory,
    finance_user,
)
from tests.finance.conftest import Q1, Q2

pytestmark = pytest.mark.django_db

READ = "read"
OFFICER = "officer"
LEAD = "lead"


def pages(fund) -> list[tuple[str, str, str]]:
    """(name, url, who may see it) for every finance page."""
    council_line = fund.council_line
    return [
        ("summary", reverse("finance:fund"), READ),
        ("summary chart csv", reverse("finance:fund") + "?download=pools", READ),
        ("efficiency", reverse("finance:efficiency"), READ),
        ("line", reverse("finance:line", kwargs={"pk": council_line.pk}), READ),
        ("quarter", reverse("finance:quarter", kwargs={"quarter": Q1}), READ),
        ("pool", reverse("finance:pool", kwargs={"quarter": Q1, "pool_type": "pooled"}), READ),
        (
            "pool organisation",
            reverse(
                "finance:pool_organisation",
                kwargs={"quarter": Q1, "pool_type": "pooled", "organisation_id": fund.council.pk},
            ),
            READ,
        ),
        ("entry", reverse("finance:entry", kwargs={"quarter": Q1}), OFFICER),
        (
            "edit",
            reverse("finance:position_edit", kwargs={"quarter": Q1, "pk": council_line.pk}),
            OFFICER,
        ),
        ("upload", reverse("finance:upload", kwargs={"quarter": Q1}), OFFICER),
        ("template", reverse("finance:upload_template", kwargs={"quarter": Q1}), OFFICER),
        ("sign off", reverse("finance:sign_off", kwargs={"quarter": Q1}), LEAD),
        ("reopen", reverse("finance:reopen", kwargs={"quarter": Q1}), LEAD),
        ("thresholds", reverse("finance:thresholds", kwargs={"year": Q1.financial_year}), LEAD),
    ]


def person(fund, role: Role | None):
    """A user with the role; finance officers work for the council, which hosts the line."""
    if role is Role.FINANCE_OFFICER:
        return fund.council_officer
    if role is Role.FINANCE_LEAD:
        return fund.lead
    return user_with_role(role)


def may(role: Role | None, who: str) -> bool:
    if role is None:
        return False
    return {
        READ: True,
        OFFICER: role is Role.FINANCE_OFFICER,
        LEAD: role is Role.FINANCE_LEAD,
    }[who]


@pytest.fixture
def reported(fund):
    for line in (fund.council_line, fund.nhs_line, fund.aligned_line):
        PositionFactory(line=line, quarter=Q1)
    return fund


@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: str(r) if r else "no role")
def test_permission_matrix_for_every_page(client, reported, role):
    fund = reported
    client.force_login(person(fund, role))
    for name, url, who in pages(fund):
        response = client.get(url)

        expected = 200 if may(role, who) else 403
        assert response.status_code == expected, (name, role, response.status_code)


def test_every_page_needs_sign_in(client, reported):
    for name, url, _ in pages(reported):
        response = client.get(url)

        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


def actions(fund) -> list[tuple[str, str, dict, str]]:
    """(name, url, POST data, who may do it) for every action."""
    edit = reverse("finance:position_edit", kwargs={"quarter": Q2, "pk": fund.council_line.pk})
    figures = {"budget": "1000000", "actual_to_date": "500000", "forecast_outturn": "1000000"}
    return [
        ("save figures", edit, figures, OFFICER),
        ("upload", reverse("finance:upload", kwargs={"quarter": Q2}), {"file": "upload"}, OFFICER),
        ("sign off", reverse("finance:sign_off", kwargs={"quarter": Q1}), {"confirm": "on"}, LEAD),
        (
            "thresholds",
            reverse("finance:thresholds", kwargs={"year": Q1.financial_year}),
            {"green_within_percent": "2", "amber_within_percent": "5"},
            LEAD,
        ),
    ]


def upload_body(fund) -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            services.UPLOAD_COLUMNS,
            [
                "2021/22 Q2",
                "Pooled budget",
                "Bury Council",
                "Public health",
                "1000000",
                "1",
                "1000000",
                "",
            ],
        ]
    )
    return SimpleUploadedFile("q2.csv", out.getvalue().encode(), content_type="text/csv")


def state() -> tuple:
    return (
        list(QuarterlyFinancialPosition.objects.order_by("pk").values()),
        list(FinanceQuarter.objects.values()),
        list(VarianceThresholds.objects.values()),
    )


@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: str(r) if r else "no role")
def test_permission_matrix_for_every_action(client, reported, role):
    fund = reported
    client.force_login(person(fund, role))
    for name, url, data, who in actions(fund):
        before = state()
        if data.get("file") == "upload":
            data = {"file": upload_body(fund)}

        response = client.post(url, data)

        if may(role, who):
            assert response.status_code == 302, (name, role, response.status_code)
            assert state() != before, name
        else:
            assert response.status_code == 403, (name, role, response.status_code)
            assert state() == before, name


def test_reopen_is_for_the_finance_lead_only(client, reported):
    services.finance_quarter_sign_off(quarter=Q1, by=reported.lead)
    url = reverse("finance:reopen", kwargs={"quarter": Q1})
    for role in [r for r in Role if r is not Role.FINANCE_LEAD]:
        client.force_login(person(reported, role))
        assert client.post(url, {"reason": "Because"}).status_code == 403
    assert FinanceQuarter.objects.get(quarter=Q1).is_signed_off

    client.force_login(reported.lead)
    response = client.post(url, {"reason": "NHS GM revised its forecast"})

    assert response.status_code == 302
    quarter = FinanceQuarter.objects.get(quarter=Q1)
    assert (quarter.state, quarter.reopened_by, quarter.reopen_reason) == (
        "draft",
        reported.lead,
        "NHS GM revised its forecast",
    )


def test_reopen_without_a_reason_is_an_error_linked_to_the_field(client, reported):
    services.finance_quarter_sign_off(quarter=Q1, by=reported.lead)
    client.force_login(reported.lead)

    response = client.post(reverse("finance:reopen", kwargs={"quarter": Q1}), {"reason": "  "})

    assert response.status_code == 200
    assert '<a href="#id_reason">Enter why the quarter needs reopening</a>' in (
        response.content.decode()
    )
    assert FinanceQuarter.objects.get(quarter=Q1).is_signed_off


def test_council_officer_cannot_edit_nhs_lines(client, fund):
    client.force_login(fund.council_officer)
    url = reverse("finance:position_edit", kwargs={"quarter": Q1, "pk": fund.nhs_line.pk})

    get = client.get(url)
    post = client.post(
        url, {"budget": "2000000", "actual_to_date": "1", "forecast_outturn": "2000000"}
    )

    assert (get.status_code, post.status_code) == (403, 403)
    assert not QuarterlyFinancialPosition.objects.exists()


def test_finance_officer_without_an_organisation_is_refused(client, fund):
    client.force_login(finance_user(Role.FINANCE_OFFICER))

    for url in (
        reverse("finance:entry", kwargs={"quarter": Q1}),
        reverse("finance:upload", kwargs={"quarter": Q1}),
        reverse("finance:position_edit", kwargs={"quarter": Q1, "pk": fund.council_line.pk}),
    ):
        assert client.get(url).status_code == 403, url


def test_entry_page_lists_only_the_officers_own_lines(client, fund):
    client.force_login(fund.nhs_officer)

    page = client.get(reverse("finance:entry", kwargs={"quarter": Q1})).content.decode()

    assert "Continuing health care" in page
    assert "Primary care prescribing" in page
    assert "Public health" not in page


def test_a_line_of_another_year_is_not_found(client, fund):
    client.force_login(fund.council_officer)
    url = reverse("finance:position_edit", kwargs={"quarter": Q1.shift(4), "pk": 1})

    assert client.get(url).status_code == 404


# --- entering figures --------------------------------------------------------------------------


def edit_url(fund, quarter=Q1):
    return reverse("finance:position_edit", kwargs={"quarter": quarter, "pk": fund.council_line.pk})


def test_figures_are_saved_and_the_officer_returns_to_the_quarter(client, fund):
    client.force_login(fund.council_officer)

    response = client.post(
        edit_url(fund),
        {"budget": "£1,000,000", "actual_to_date": "240,000.50", "forecast_outturn": "1012000"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("finance:entry", kwargs={"quarter": Q1})
    position = QuarterlyFinancialPosition.objects.get()
    assert position.actual_to_date == Decimal("240000.50")
    assert position.history.get().history_user == fund.council_officer


def test_a_red_line_needs_an_explanation_shown_in_the_error_summary(client, fund):
    client.force_login(fund.council_officer)

    response = client.post(
        edit_url(fund),
        {"budget": "1000000", "actual_to_date": "250000", "forecast_outturn": "1048000"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert (
        '<a href="#id_explanation">Explain why the forecast outturn is 4.8% over budget: a '
        "variance beyond the 3% amber threshold needs an explanation</a>"
    ) in page
    assert not QuarterlyFinancialPosition.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("budget", "", "Enter the budget"),
        ("budget", "-1", "The budget cannot be negative"),
        ("actual_to_date", "lots", "Enter the actual spend to date as an amount in pounds"),
        ("forecast_outturn", "1.234", "no more than 2 decimal places"),
    ],
)
def test_bad_figures_are_errors_linked_to_their_field(client, fund, field, value, message):
    client.force_login(fund.council_officer)
    data = {"budget": "1000000", "actual_to_date": "1", "forecast_outturn": "1000000"}

    response = client.post(edit_url(fund), {**data, field: value})

    assert response.status_code == 200
    assert f'<a href="#id_{field}">' in response.content.decode()
    assert message in response.content.decode()


def test_a_stale_save_is_refused_with_a_clear_message_and_nothing_lost(client, fund):
    PositionFactory(line=fund.council_line, quarter=Q1)  # version 1, as both forms open
    client.force_login(fund.council_officer)
    first = {
        "budget": "1000000",
        "actual_to_date": "260000",
        "forecast_outturn": "1009000",
        "version": "1",
    }
    assert client.post(edit_url(fund), first).status_code == 302

    second = client.post(edit_url(fund), {**first, "forecast_outturn": "995000"})

    page = second.content.decode()
    assert second.status_code == 409
    assert "saved figures for this line after you opened it" in page
    assert "Your changes have not been saved" in page
    assert '<a href="#id_budget">' in page
    assert 'name="version" value="2"' in page  # the form now starts from the saved figures
    assert "£995,000" in page  # what they tried, shown beside what is saved
    assert "Your value (not saved)" in page  # the stale-edit table every app shows
    assert "£1,009,000" in page
    position = QuarterlyFinancialPosition.objects.get()
    assert (position.version, position.forecast_outturn) == (2, Decimal("1009000.00"))


def test_edits_after_sign_off_are_refused(client, reported):
    services.finance_quarter_sign_off(quarter=Q1, by=reported.lead)
    client.force_login(reported.council_officer)
    before = state()

    get = client.get(edit_url(reported))
    post = client.post(
        edit_url(reported),
        {"budget": "1", "actual_to_date": "1", "forecast_outturn": "1", "version": "1"},
    )

    assert get.status_code == 200
    assert "so its figures cannot be changed" in get.content.decode()
    assert 'name="forecast_outturn"' not in get.content.decode()
    assert post.status_code == 409
    assert "nothing was saved" in post.content.decode()
    assert state() == before


# --- uploading -------------------------------------------------------------------------------


def test_upload_shows_row_numbered_errors_and_saves_nothing(client, fund):
    client.force_login(fund.council_officer)
    bad = SimpleUploadedFile(
        "q1.csv",
        (
            ",".join(services.UPLOAD_COLUMNS)
            + "\n2021/22 Q1,Pooled budget,Bury Council,Public health,1000000,abc,1000000,\n"
        ).encode(),
    )

    response = client.post(reverse("finance:upload", kwargs={"quarter": Q1}), {"file": bad})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_file">Row 2, column “Actual to date”: “abc” is not a number.</a>' in page
    assert not QuarterlyFinancialPosition.objects.exists()


def test_upload_after_sign_off_is_refused(client, reported):
    services.finance_quarter_sign_off(quarter=Q1, by=reported.lead)
    client.force_login(reported.council_officer)
    body = upload_body(reported)
    body.seek(0)
    content = body.read().replace(b"2021/22 Q2", b"2021/22 Q1")

    response = client.post(
        reverse("finance:upload", kwargs={"quarter": Q1}),
        {"file": SimpleUploadedFile("q1.csv", content)},
    )

    assert response.status_code == 409
    assert "signed off" in response.content.decode()
    assert not QuarterlyFinancialPosition.objects.filter(batch__isnull=False).exists()


def test_upload_twice_reports_that_nothing_changed(client, fund):
    client.force_login(fund.council_officer)
    url = reverse("finance:upload", kwargs={"quarter": Q2})
    client.post(url, {"file": upload_body(fund)})

    response = client.post(url, {"file": upload_body(fund)}, follow=True)

    assert "holds the figures already saved: nothing changed" in response.content.decode()


def test_upload_template_lists_the_officers_lines_with_saved_figures(client, fund):
    PositionFactory(line=fund.council_line, quarter=Q1, forecast_outturn=Decimal("1001000.00"))
    client.force_login(fund.council_officer)

    response = client.get(reverse("finance:upload_template", kwargs={"quarter": Q1}))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(services.UPLOAD_COLUMNS)
    assert rows[1:] == [
        ["2021/22 Q1", "Pooled budget", "Bury Council", "Public health", "1000000.00",
         "250000.00", "1001000.00", ""],
    ]  # fmt: skip
    assert 'filename="fund-figures-2021-22-Q1-bury-council.csv"' in response["Content-Disposition"]


def test_the_template_uploads_back_unchanged(client, fund):
    PositionFactory(line=fund.council_line, quarter=Q1)
    client.force_login(fund.council_officer)
    template = client.get(reverse("finance:upload_template", kwargs={"quarter": Q1})).content

    response = client.post(
        reverse("finance:upload", kwargs={"quarter": Q1}),
        {"file": SimpleUploadedFile("template.csv", template)},
    )

    assert response.status_code == 302
    assert QuarterlyFinancialPosition.objects.get().version == 1


@pytest.mark.parametrize(
    "explanation", ["-£50k from agency staff", "=SUM(A1)", "+2 posts", "@risk", "'quoted"]
)
def test_the_template_round_trips_an_explanation_the_guard_escaped(client, fund, explanation):
    PositionFactory(line=fund.council_line, quarter=Q1, explanation=explanation)
    client.force_login(fund.council_officer)
    template = client.get(reverse("finance:upload_template", kwargs={"quarter": Q1})).content
    guarded = explanation[:1] in "-=+@"
    assert (f",'{explanation}" in template.decode("utf-8-sig")) is guarded  # still guarded
    edited = template.replace(b"250000.00", b"260000.00")  # a figure changed in Excel

    response = client.post(
        reverse("finance:upload", kwargs={"quarter": Q1}),
        {"file": SimpleUploadedFile("template.csv", edited)},
    )

    assert response.status_code == 302
    position = QuarterlyFinancialPosition.objects.get()
    assert (position.actual_to_date, position.explanation) == (Decimal("260000.00"), explanation)


# --- the summary, sign-off and thresholds pages --------------------------------------------------


def test_summary_shows_pounds_millions_status_words_and_chart_data(client, reported):
    PositionFactory(line=reported.council_line, quarter=Q2, forecast_outturn=Decimal("1050000"),
                    explanation="Home care demand")  # fmt: skip
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    page = client.get(reverse("finance:fund"), {"quarter": Q2.code}).content.decode()

    assert "£3.5m" in page  # the fund's budget
    assert "+£0.1m" in page
    assert "+5.0%" in page
    assert "Home care demand" in page
    assert 'govuk-tag--red">Red</strong>' in page
    assert "Not reported" in page
    assert "Enter your organisation" not in page
    assert "Sign off 2021/22 Q2" not in page
    download = client.get(reverse("finance:fund"), {"quarter": Q2.code, "download": "pools"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][:5] == ["Pooled budget", "3000000.00", "250000.00", "1050000.00", "50000.00"]


def test_summary_with_a_bad_quarter_is_not_found(client, fund):
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    assert client.get(reverse("finance:fund"), {"quarter": "Q9"}).status_code == 404


def test_sign_off_refused_lists_why(client, fund):
    PositionFactory(line=fund.council_line, quarter=Q1)
    client.force_login(fund.lead)

    response = client.post(reverse("finance:sign_off", kwargs={"quarter": Q1}), {"confirm": "on"})

    assert response.status_code == 409
    assert "2 budget lines have no figures for 2021/22 Q1" in response.content.decode()
    assert not FinanceQuarter.objects.filter(state="signed_off").exists()


def test_sign_off_needs_the_confirmation_ticked(client, reported):
    client.force_login(reported.lead)

    response = client.post(reverse("finance:sign_off", kwargs={"quarter": Q1}), {})

    assert '<a href="#id_confirm">Confirm that you have reviewed the figures</a>' in (
        response.content.decode()
    )
    assert not FinanceQuarter.objects.filter(state="signed_off").exists()


def test_quarter_page_shows_the_sign_off_history(client, reported):
    services.finance_quarter_sign_off(quarter=Q1, by=reported.lead)
    services.finance_quarter_reopen(quarter=Q1, by=reported.lead, reason="Late CHC invoices")
    client.force_login(user_with_role(Role.SCRUTINY_OFFICER))

    page = client.get(reverse("finance:quarter", kwargs={"quarter": Q1})).content.decode()

    assert "Signed off" in page
    assert "Reopened: Late CHC invoices" in page


def test_thresholds_out_of_order_are_an_error(client, fund):
    client.force_login(fund.lead)

    response = client.post(
        reverse("finance:thresholds", kwargs={"year": Q1.financial_year}),
        {"green_within_percent": "4", "amber_within_percent": "2"},
    )

    assert response.status_code == 200
    assert "The amber threshold must be the same as the green threshold or more" in (
        response.content.decode()
    )
    assert VarianceThresholds.objects.get().amber_within_percent == 3


def test_line_page_shows_history_and_edit_links_for_its_officer(client, fund):
    PositionFactory(line=fund.council_line, quarter=Q1)
    FinanceQuarterFactory(quarter=Q2)
    client.force_login(fund.council_officer)
    url = reverse("finance:line", kwargs={"pk": fund.council_line.pk})

    own = client.get(url).content.decode()
    client.force_login(fund.nhs_officer)
    other = client.get(url).content.decode()

    assert 'Change<span class="govuk-visually-hidden"> figures for 2021/22 Q1' in own
    assert "Change<span" not in other
    assert "Version" in own


def test_overview_shows_the_funds_latest_position(client, reported):
    services.finance_quarter_sign_off(quarter=Q1, by=reported.lead)
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    page = client.get(reverse("overview")).content.decode()

    assert "At 2021/22 Q1 (signed off) the forecast outturn is" in page


def test_programme_page_shows_the_budget_lines_that_fund_it(client, fund):
    programme = ProgrammeFactory()
    fund.nhs_line.programme = programme
    fund.nhs_line.save()
    PositionFactory(line=fund.nhs_line, quarter=Q2, forecast_outturn=Decimal("2100000.00"),
                    explanation="Discharge packages")  # fmt: skip
    unfunded = ProgrammeFactory()
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    html = client.get(reverse("programmes:detail", args=[programme.slug])).content.decode()
    empty = client.get(reverse("programmes:detail", args=[unfunded.slug])).content.decode()

    assert "Budget lines that fund this programme" in html
    assert "Continuing health care" in html
    assert "£2,100,000" in html
    assert "+£100,000 (+5.0%)" in html
    assert 'govuk-tag--red">Red</strong>' in html
    assert "Discharge packages" in html
    assert "No budget lines of the Integrated Care Fund are linked" in empty


def test_efficiency_page_shows_targets_identified_and_risk_adjusted(client, fund):
    EfficiencySchemeFactory(
        organisation=fund.nhs,
        name="Bury Care Organisation (BCO) recurrent efficiency programme",
        recurrence="recurrent",
        target=Decimal("4900000"),
        identified=Decimal("4100000"),
        risk_adjusted=Decimal("2500000"),
    )
    client.force_login(user_with_role(Role.SCRUTINY_OFFICER))

    page = client.get(reverse("finance:efficiency")).content.decode()

    assert "Bury Care Organisation (BCO) recurrent efficiency programme" in page
    for amount in ("£4.9m", "£4.1m", "£2.5m"):
        assert amount in page
    assert "Recurrent" in page


def test_amounts_have_a_pound_prefix_a_govuk_width_and_error_styling(client, fund):
    client.force_login(fund.council_officer)
    data = {"budget": "1000000", "actual_to_date": "lots", "forecast_outturn": "1000000"}

    page = client.post(edit_url(fund), data).content.decode()

    field = page[page.index('id="div_id_actual_to_date"') :]
    field = field[: field.index("</div>\n</div>")]
    assert 'class="govuk-form-group govuk-form-group--error"' in page
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in field
    assert "govuk-input--width-10" in field
    assert 'aria-invalid="true"' in field  # with the group's error class: app-affixed styling


def test_a_refusal_says_why_when_the_view_gives_a_reason(client, reported):
    """An officer whose account names no organisation is refused the entry page with that
    reason (not "your role does not include this page", which sends them to the wrong fix);
    a refusal for want of a role keeps the general wording."""
    client.force_login(user_with_role(Role.FINANCE_OFFICER))  # no organisation

    refused = client.get(reverse("finance:entry", kwargs={"quarter": Q1}))

    assert refused.status_code == 403
    assert "Your account is not linked to an organisation." in refused.content.decode()
    assert "Your role does not include this page" not in refused.content.decode()
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    by_role = client.get(reverse("finance:entry", kwargs={"quarter": Q1}))
    assert "Your role does not include this page" in by_role.content.decode()


def test_amount_inputs_are_styled_as_govuk_inputs(client, fund):
    """The amounts (number inputs, like every number and date input) lacked the govuk-input
    class: browser-default 13 px text and grey border, and no red border on an error (the
    error rule names .govuk-input). Settings: CRISPY_CLASS_CONVERTERS."""
    client.force_login(fund.council_officer)
    data = {"budget": "1000000", "actual_to_date": "lots", "forecast_outturn": "1000000"}

    page = client.post(edit_url(fund), data).content.decode()

    for name in ("budget", "actual_to_date", "forecast_outturn"):
        field = page[page.index(f'<input type="text" name="{name}"') :]
        classes = field[field.index('class="') + 7 :].split('"', 1)[0].split()
        assert "govuk-input" in classes, name
