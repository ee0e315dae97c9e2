"""The plans app's demo data: organisations, locality plans (objectives, outcomes, working
principles, priorities), neighbourhood teams, partnership bodies, and the demo finance
officers' organisations (plans.yaml, users.yaml)."""

from __future__ import annotations

from bury_hc.services import record_upsert
from demo.base import DemoLoad
from plans import services as plans_services
from plans.models import StaffProfile


def plans_load(load: DemoLoad) -> None:
    data = load.yaml("plans.yaml")
    for row in data["organisations"]:
        organisation = load.count(plans_services.organisation_upsert(**row))
        load.organisations[organisation.short_name] = organisation
    for row in data["plans"]:
        _plan_load(load, row)
    for order, row in enumerate(data["neighbourhood_teams"], start=1):
        load.count(plans_services.neighbourhood_team_upsert(order=order, **row))
    for order, row in enumerate(data["partnership_bodies"], start=1):
        reports_to = row.pop("reports_to")
        if reports_to:
            reports_to = load.lookup(load.bodies, reports_to, "partnership body", "plans.yaml")
        body = load.count(
            plans_services.partnership_body_upsert(order=order, reports_to=reports_to, **row)
        )
        load.bodies[body.slug] = body
    _staff_profiles_load(load)


def _plan_load(load: DemoLoad, row: dict) -> None:
    items = {
        key: row.pop(key) for key in ("objectives", "outcomes", "working_principles", "priorities")
    }
    plan = load.count(plans_services.plan_upsert(**row))
    load.plans[plan.short_name] = plan
    for number, text in enumerate(items["objectives"], start=1):
        load.count(plans_services.objective_upsert(plan=plan, number=number, text=text))
    for number, text in enumerate(items["outcomes"], start=1):
        load.count(plans_services.outcome_upsert(plan=plan, number=number, text=text))
    for number, text in enumerate(items["working_principles"], start=1):
        load.count(plans_services.working_principle_upsert(plan=plan, number=number, text=text))
    for number, priority in enumerate(items["priorities"], start=1):
        load.count(plans_services.priority_upsert(plan=plan, number=number, **priority))


def _staff_profiles_load(load: DemoLoad) -> None:
    """The organisation each demo account works for (finance officers enter its figures)."""
    for row in load.user_rows:
        if row.get("organisation"):
            organisation = load.lookup(
                load.organisations, row["organisation"], "organisation", "users.yaml"
            )
            load.count(
                record_upsert(
                    StaffProfile,
                    lookup={"user": load.users[row["username"]]},
                    values={"organisation": organisation},
                )
            )
