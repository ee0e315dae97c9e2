"""Writes to committees, their members, meetings and agenda items (packs are written elsewhere).

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged".
"""

from __future__ import annotations

import datetime as dt

from bury_hc.services import Change, record_upsert
from plans.models import PartnershipBody
from scrutiny.models import AgendaItem, Committee, CommitteeMember, Meeting


def committee_upsert(
    *,
    slug: str,
    name: str,
    description: str = "",
    partnership_body: PartnershipBody | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> tuple[Committee, Change]:
    """Create or update the committee with this slug."""
    return record_upsert(
        Committee,
        lookup={"slug": slug},
        values={
            "name": name,
            "description": description,
            "partnership_body": partnership_body,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
        },
    )


def committee_member_upsert(
    *, committee: Committee, name: str, role: str = "", order: int = 0
) -> tuple[CommitteeMember, Change]:
    """Create or update a committee member, named as the committee's papers name them."""
    return record_upsert(
        CommitteeMember,
        lookup={"committee": committee, "name": name},
        values={"role": role, "order": order},
    )


def meeting_upsert(
    *, committee: Committee, starts_at: dt.datetime, place: str = ""
) -> tuple[Meeting, Change]:
    """Create or update the committee's meeting starting at `starts_at` (timezone-aware)."""
    if starts_at.tzinfo is None:
        raise ValueError("A meeting's start time must be timezone-aware.")
    return record_upsert(
        Meeting, lookup={"committee": committee, "starts_at": starts_at}, values={"place": place}
    )


def agenda_item_upsert(
    *, meeting: Meeting, number: int, title: str, presenter: str = "", pages: str = ""
) -> tuple[AgendaItem, Change]:
    """Create or update item `number` of the meeting's agenda."""
    return record_upsert(
        AgendaItem,
        lookup={"meeting": meeting, "number": number},
        values={"title": title, "presenter": presenter, "pages": pages},
    )
