"""The programmes app's demo data: the ten programmes, their milestones (the 2022/23
Corporate Plan deliverables and the 2024/25 milestones), the reporting cycles, and the demo
accounts' programmes to lead or approve (programmes.yaml, milestones_*.yaml,
reporting_cycles.yaml, users.yaml)."""

from __future__ import annotations

from bury_hc.periods import FinancialYear, PeriodParseError, Quarter
from demo.base import DemoDataError, DemoLoad
from programmes import services as programme_services
from programmes.models import Programme


def programmes_load(load: DemoLoad) -> None:
    data = load.yaml("programmes.yaml")
    plan = load.lookup(load.plans, data["priorities_plan"], "plan", "programmes.yaml")
    priorities = {priority.number: priority for priority in plan.priorities.all()}
    for row in data["programmes"]:
        numbers = row.pop("priorities", [])
        programme = load.count(
            programme_services.programme_upsert(
                priorities=[
                    load.lookup(priorities, n, "priority", f"programmes.yaml {row['slug']}")
                    for n in numbers
                ],
                **row,
            )
        )
        load.programmes[programme.slug] = programme
    _corporate_plan_milestones_load(load)
    _milestones_load(load)
    _reporting_cycles_load(load)
    _programme_people_load(load)


def _corporate_plan_milestones_load(load: DemoLoad) -> None:
    data = load.yaml("milestones_2022_23.yaml")
    year = FinancialYear.parse(data["financial_year"])
    for row in data["rows"]:
        description = " ".join(row["priority"].split())
        for slug in row["programmes"]:
            programme = load.lookup(load.programmes, slug, "programme", "milestones_2022_23.yaml")
            for quarter_label, deliverables in row["deliverables"].items():
                quarter = Quarter(year.start_year, int(quarter_label.removeprefix("Q")))
                for deliverable in deliverables:
                    # A deliverable is its text, or {title, details} when too long for a title.
                    item = {"title": deliverable} if isinstance(deliverable, str) else deliverable
                    details = item.get("details")
                    load.count(
                        programme_services.milestone_upsert(
                            programme=programme,
                            title=item["title"],
                            due_quarter=quarter,
                            description="\n\n".join(filter(None, [description, details])),
                            source=data["source"],
                        )
                    )


def _milestones_load(load: DemoLoad) -> None:
    data = load.yaml("milestones_2024_25.yaml")
    for row in data["milestones"]:
        where = f"milestones_2024_25.yaml “{row['title']}”"
        try:
            due = Quarter.parse(row["due"])
        except PeriodParseError as exc:
            raise DemoDataError(f"{where}: {exc}") from exc
        load.count(
            programme_services.milestone_upsert(
                programme=load.lookup(load.programmes, row["programme"], "programme", where),
                title=row["title"],
                due_quarter=due,
                description=" ".join(row["description"].split()),
                source=data["source"],
            )
        )


def _reporting_cycles_load(load: DemoLoad) -> None:
    name = "reporting_cycles.yaml"
    for row in load.yaml(name)["cycles"]:
        where = f"{name} {row.get('quarter')}"
        try:
            quarter = Quarter.parse(str(row["quarter"]))
        except PeriodParseError as exc:
            raise DemoDataError(f"{where}: {exc}") from exc
        if row["deadline"] < row["opens_on"]:
            raise DemoDataError(f"{where}: the deadline is before the cycle opens.")
        load.count(
            programme_services.reporting_cycle_upsert(
                quarter=quarter,
                opens_on=row["opens_on"],
                deadline=row["deadline"],
                is_open=row.get("is_open", True),
            )
        )


def _programme_people_load(load: DemoLoad) -> None:
    """The demo accounts' programmes: those they lead and those whose updates they approve."""
    for row in load.user_rows:
        user = load.users[row["username"]]
        leads = _programmes_named(load, row.get("leads", []), row["username"])
        approves = _programmes_named(load, row.get("approves", []), row["username"])
        for programme in load.programmes.values():
            if programme in leads or programme in approves:
                load.count(
                    programme_services.programme_people_add(
                        programme=programme,
                        leads=[user] if programme in leads else [],
                        approvers=[user] if programme in approves else [],
                    ),
                    label="programme leads and approvers",
                )


def _programmes_named(load: DemoLoad, slugs: list[str] | str, username: str) -> list[Programme]:
    if slugs == "all":
        return list(load.programmes.values())
    return [
        load.lookup(load.programmes, slug, "programme", f"users.yaml {username}") for slug in slugs
    ]
