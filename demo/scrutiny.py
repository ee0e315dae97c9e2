"""The scrutiny app's demo data: the committees and their members, meetings and agenda items,
and the Q4 2024/25 performance report's cover as a draft pack (committees.yaml,
pack_cover_2024_25_q4.yaml)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from bury_hc.periods import Quarter
from demo.base import DemoLoad
from scrutiny import services as scrutiny_services


def scrutiny_load(load: DemoLoad) -> None:
    _committees_load(load)
    _pack_cover_load(load)


def _committees_load(load: DemoLoad) -> None:
    data = load.yaml("committees.yaml")
    committees = {}
    for row in data["committees"]:
        members = row.pop("members")
        body = row.pop("partnership_body")
        committee = load.count(
            scrutiny_services.committee_upsert(
                partnership_body=(
                    load.lookup(load.bodies, body, "partnership body", "committees.yaml")
                    if body
                    else None
                ),
                **row,
            )
        )
        committees[committee.slug] = committee
        for order, member in enumerate(members, start=1):
            load.count(
                scrutiny_services.committee_member_upsert(
                    committee=committee, order=order, **member
                )
            )
    for row in data["meetings"]:
        starts_at = dt.datetime.combine(
            row["date"], dt.time.fromisoformat(row["time"]), tzinfo=ZoneInfo(row["time_zone"])
        )
        meeting = load.count(
            scrutiny_services.meeting_upsert(
                committee=load.lookup(committees, row["committee"], "committee", "committees.yaml"),
                starts_at=starts_at,
                place=row["place"],
            )
        )
        for item in row["agenda_items"]:
            load.count(scrutiny_services.agenda_item_upsert(meeting=meeting, **item))


def _pack_cover_load(load: DemoLoad) -> None:
    """The Q4 2024/25 performance report's cover, as a draft pack for the 19 June 2025
    meeting (never changes a published pack)."""
    row = load.yaml("pack_cover_2024_25_q4.yaml")["pack"]
    officer = get_user_model().objects.filter(username="scrutiny.officer").first()
    load.count(
        scrutiny_services.pack_draft_upsert(
            committee_slug=row["committee"],
            meeting_date=row["meeting_date"],
            agenda_number=row["agenda_item"],
            title=row["title"],
            quarter=Quarter.parse(row["quarter"]),
            sections=row["sections"],
            cover=row["cover"],
            by=officer,
        ),
        "committee pack",
    )
