"""The three pages that take a file, each with someone allowed to use it: the measure-value
import, a finance officer's quarterly figures, and a programme's milestone plan. Found by URL
name, so the tests survive views moving between modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse

from bury_hc.periods import Quarter
from bury_hc.roles import Role
from tests.factories import user_with_role
from tests.factories.finance import (
    BudgetLineFactory,
    BudgetPoolFactory,
    OrganisationFactory,
    VarianceThresholdsFactory,
    finance_user,
)
from tests.factories.programmes import ProgrammeFactory, lead_of
from tests.support.jobs import jobs_run_here

# The jobs that read an uploaded file away from the request (a big file, or an import's check).
UPLOAD_JOBS = (
    "finance.positions_upload_read",
    "programmes.milestone_plan_upload_read",
    "performance.observation_import_check",
)


@dataclass
class UploadPath:
    name: str
    url: str
    user: Any
    fields: dict[str, str] = field(default_factory=dict)


def upload_paths() -> list[UploadPath]:
    """Create what each upload page needs and return the three of them."""
    council = OrganisationFactory(name="Bury Council", short_name="Bury Council")
    pooled = BudgetPoolFactory(pool_type="pooled", name="Pooled budget", order=1)
    VarianceThresholdsFactory()
    BudgetLineFactory(
        pool=pooled,
        host_organisation=council,
        service_area="Public health",
        annual_budget=Decimal("1000000.00"),
    )
    programme = ProgrammeFactory(name="Adult Social Care Transformation", slug="asc", number=7)
    return [
        UploadPath(
            "observation import",
            reverse("performance:import_upload"),
            user_with_role(Role.PERFORMANCE_ANALYST, username="analyst"),
            {"file_format": "template", "source": "NHS England"},
        ),
        UploadPath(
            "finance upload",
            reverse("finance:upload", kwargs={"quarter": Quarter(2021, 1)}),
            finance_user(Role.FINANCE_OFFICER, council, username="finance.council"),
        ),
        UploadPath(
            "milestone-plan upload",
            reverse("programmes:plan_upload", kwargs={"slug": programme.slug}),
            lead_of(programme, username="lead"),
            {"financial_year": "2025/26"},
        ),
    ]


def upload_jobs_run_here(monkeypatch: Any) -> None:
    """The upload pages' background jobs run in the test process even when Celery has a
    broker, as they do in the embedded default."""
    jobs_run_here(monkeypatch, *UPLOAD_JOBS)
