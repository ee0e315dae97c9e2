"""Plan services: idempotent upserts keyed on natural keys, one current plan at a time."""

import datetime as dt

import pytest

from bury_hc.services import m2m_ensure, record_upsert
from plans.models import LocalityPlan, Organisation
from plans.services import organisation_upsert, plan_upsert
from tests.factories import ProgrammeFactory


@pytest.mark.django_db
def test_record_upsert_saves_only_when_a_value_differs(django_assert_num_queries):
    _, change = organisation_upsert(
        short_name="Persona", name="Persona Care and Support", kind="other"
    )
    assert change == "created"

    with django_assert_num_queries(1):  # the lookup; no save
        _, change = organisation_upsert(
            short_name="Persona", name="Persona Care and Support", kind="other"
        )
    assert change == "unchanged"

    _, change = organisation_upsert(
        short_name="Persona", name="Persona Care and Support Ltd", kind="other"
    )
    assert change == "updated"
    assert Organisation.objects.get().name == "Persona Care and Support Ltd"


@pytest.mark.django_db
def test_record_upsert_compares_foreign_keys_without_fetching_them(django_assert_num_queries):
    council, _ = organisation_upsert(short_name="Bury Council", name="Bury Council", kind="council")
    programme = ProgrammeFactory(lead_organisation=council)

    with django_assert_num_queries(1):
        _, change = record_upsert(
            type(programme), lookup={"pk": programme.pk}, values={"lead_organisation": council}
        )
    assert change == "unchanged"


@pytest.mark.django_db
def test_plan_upsert_making_a_plan_current_retires_the_previous_current_plan():
    old, _ = plan_upsert(short_name="Locality Plan 2021", title="2021 refresh", is_current=True)

    new, change = plan_upsert(
        short_name="Locality Plan 2025",
        title="Bury Locality Plan 2025",
        endorsed_on=dt.date(2025, 4, 7),
        is_current=True,
    )

    assert change == "created"
    assert list(LocalityPlan.objects.filter(is_current=True)) == [new]
    old.refresh_from_db()
    assert not old.is_current


@pytest.mark.django_db
def test_m2m_ensure_reports_whether_it_changed_anything():
    programme = ProgrammeFactory()
    plan, _ = plan_upsert(short_name="Plan", title="Plan")
    priority = plan.priorities.create(number=1, title="Prevention")

    assert m2m_ensure(programme, field="priorities", targets=[priority]) is True
    assert m2m_ensure(programme, field="priorities", targets=[priority]) is False
    assert m2m_ensure(programme, field="priorities", targets=[]) is True
    assert not programme.priorities.exists()
