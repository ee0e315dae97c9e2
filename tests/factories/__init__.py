"""factory_boy factories for tests: build() where the database is not needed."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from bury_hc.periods import FinancialYear, Period, Quarter
from bury_hc.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")

    @factory.post_generation
    def roles(self, create: bool, extracted: tuple[Role, ...] | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(
                *(Group.objects.get_or_create(name=role.value)[0] for role in extracted)
            )


def user_with_role(role: Role | None, **kwargs) -> User:
    return UserFactory(roles=(role,) if role else (), **kwargs)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "plans.Organisation"
        django_get_or_create = ["short_name"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    short_name = factory.Sequence(lambda n: f"Org{n}")
    kind = "council"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Programme"

    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programmes.Milestone"

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_quarter = Quarter(2024, 4)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "performance.Area"
        django_get_or_create = ["ons_code"]

    name = factory.Sequence(lambda n: f"Council {n}")
    ons_code = factory.Sequence(lambda n: f"E0800{n:04d}")
    kind = "local_authority"


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "performance.Measure"

    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.Sequence(lambda n: f"Measure {n}")
    polarity = "lower"
    frequency = "quarterly"
    unit = "count"
    in_highlight_report = True
    highlight_order = factory.Sequence(lambda n: n)


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bury_hc.ImportBatch"

    kind = "observations"
    file_name = "test.csv"
    sha256 = "0" * 64
    file_format = "test"
    source = "Tests"


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "performance.Observation"
        exclude = ["period"]

    measure = factory.SubFactory(MeasureFactory)
    area = factory.SubFactory(AreaFactory, ons_code="E08000002", name="Bury")
    period = Period.for_quarter(Quarter(2024, 4))
    period_type = factory.LazyAttribute(lambda o: o.period.type.value)
    period_start = factory.LazyAttribute(lambda o: o.period.start)
    period_end = factory.LazyAttribute(lambda o: o.period.end)
    value = Decimal("54")
    batch = factory.SubFactory(ImportBatchFactory)


class BudgetPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "finance.BudgetPool"
        django_get_or_create = ["pool_type"]

    pool_type = "pooled"
    name = factory.LazyAttribute(lambda pool: f"{pool.pool_type.title()} budget")
    description = "Test pool"


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "finance.BudgetLine"

    pool = factory.SubFactory(BudgetPoolFactory)
    financial_year = FinancialYear(2021)
    host_organisation = factory.SubFactory(OrganisationFactory)
    service_area = factory.Sequence(lambda n: f"Service {n}")
    annual_budget = Decimal("1000000.00")
