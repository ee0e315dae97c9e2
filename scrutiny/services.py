"""Writes to committees, their members, meetings, agenda items and packs.

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from bury_hc import jobs
from bury_hc.jobs import SweepOutcome, job_send_on_commit
from bury_hc.periods import Quarter
from bury_hc.services import Change, record_upsert, versioned_update
from plans.models import PartnershipBody
from scrutiny.models import (
    AgendaItem,
    Committee,
    CommitteeMember,
    CommitteePack,
    Meeting,
    PackExport,
    PackSection,
)


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


# --- packs ----------------------------------------------------------------------------------


@transaction.atomic
def pack_create(
    *,
    meeting: Meeting,
    quarter: Quarter,
    title: str,
    sections: list[str],
    by: User,
    agenda_item: AgendaItem | None = None,
    cover: dict[str, str] | None = None,
) -> CommitteePack:
    """Start a draft pack. Its cover starts from the committee's latest pack unless given."""
    from scrutiny.selectors import cover_start

    return CommitteePack.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        quarter=quarter,
        title=title,
        sections=[s for s in PackSection.values if s in sections],
        cover=cover if cover is not None else cover_start(meeting=meeting),
        created_by=by,
    )


@transaction.atomic
def pack_update(
    *,
    pack: CommitteePack,
    expected_version: int,
    title: str,
    sections: list[str],
    cover: dict[str, str],
) -> CommitteePack:
    """Save a draft's title, sections and cover. Raises StaleEdit if someone saved first and
    PackNotEditable once published."""
    if pack.state != CommitteePack.State.DRAFT:
        raise PackNotEditable(pack)
    return versioned_update(
        pack,
        expected_version=expected_version,
        values={
            "title": title,
            "sections": [s for s in PackSection.values if s in sections],
            "cover": cover,
        },
    )


class PackNotEditable(Exception):
    def __init__(self, pack: CommitteePack) -> None:
        self.pack = pack
        super().__init__("This pack has been published: it can no longer be changed.")


@transaction.atomic
def pack_publish(*, pack: CommitteePack, by: User) -> CommitteePack:
    """Freeze the pack: copy everything it shows into `snapshot`, record what was current, and
    mark it published. Atomic; publishing a published pack changes nothing."""
    from scrutiny.selectors import pack_content_build, pack_sources

    pack = CommitteePack.objects.select_for_update().get(pk=pack.pk)
    if pack.state == CommitteePack.State.PUBLISHED:
        return pack
    content = pack_content_build(pack=pack)
    # Round-trip through JSON now so the stored copy is exactly what a later read returns.
    pack.snapshot = json.loads(json.dumps(content, cls=DjangoJSONEncoder))
    pack.snapshot_sources = pack_sources(pack=pack, content=content)
    pack.state = CommitteePack.State.PUBLISHED
    pack.published_by = by
    pack.published_at = timezone.now()
    pack.version += 1
    pack.save()
    return pack


@transaction.atomic
def pack_export_request(*, pack: CommitteePack, export_format: str, by: User) -> PackExport:
    """Ask for a file of the pack; the rendering task is sent after commit (kept waiting for
    the worker if the broker is down: bury_hc.jobs)."""
    export = PackExport.objects.create(
        pack=pack, format=export_format, pack_state=pack.state, requested_by=by
    )
    job_send_on_commit(PACK_EXPORT_TASK, export.pk)
    return export


def pack_export_run(*, export_id: int) -> PackExport:
    """Render the export's file, store it with its sha256 and mark it done.

    Idempotent per request: a done export is returned untouched, so a task delivered twice (or
    redelivered after a worker died before acknowledging) makes one artefact. The row is locked
    while rendering so two workers cannot both write it. The file's name is fixed by the
    export's pk, and any partial file from a killed attempt is replaced.
    """
    from scrutiny.render import render_pack
    from scrutiny.selectors import pack_content

    with transaction.atomic(durable=True):
        export = PackExport.objects.select_for_update().select_related("pack").get(pk=export_id)
        if export.state == PackExport.State.DONE:
            return export
        export.attempts += 1
        content = pack_content(pack=export.pack)
        data = render_pack(content=content, export_format=export.format)
        name = f"packs/{export.pk}/{slugify(export.pack.title)[:60]}.{export.format}"
        if default_storage.exists(name):
            default_storage.delete(name)
        export.file.name = default_storage.save(name, ContentFile(data))
        export.sha256 = hashlib.sha256(data).hexdigest()
        export.size = len(data)
        export.state = PackExport.State.DONE
        export.finished_at = timezone.now()
        export.error = ""
        export.save()
        return export


def pack_export_fail(*, export_id: int, error: str) -> None:
    PackExport.objects.filter(pk=export_id).exclude(state=PackExport.State.DONE).update(
        state=PackExport.State.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# --- Exports whose worker died (bury_hc.jobs) -------------------------------------------------

PACK_EXPORT_TASK = "scrutiny.tasks.pack_export_render"
EXPORT_STOPPED = (
    "The file could not be made: the background worker stopped each time. Try again; if it "
    "happens again, tell the performance team."
)


def pack_exports_sweep() -> SweepOutcome:
    """Release exports "waiting for the worker" or "being made" longer than JOB_WAIT_DEADLINE
    since they were last sent (their message or their worker was lost; one being rendered is
    locked and skipped): send each again, up to JOB_MAX_SENDS times, then mark it failed with
    a "Try again". Beat runs it every minute; safe to run twice at once."""
    return jobs.stuck_jobs_sweep(
        stuck=_stuck_exports(),
        sends=lambda export: export.sends,
        requeue=_export_send,
        fail=_export_fail,
        tasks=lambda export: (PACK_EXPORT_TASK,),
    )


def _stuck_exports():
    return PackExport.objects.alias(last_sent=Coalesce("sent_at", "created_at")).filter(
        state__in=[PackExport.State.QUEUED, PackExport.State.RUNNING],
        last_sent__lt=jobs.wait_deadline(),
    )


def pack_exports_release_if_stuck(*, pack: CommitteePack) -> None:
    """For the pack page: the pack's exports past their deadline are released now, as the
    sweep would (where no worker and beat run, the embedded default, nothing else would: they
    are marked failed, with "Try again"). One read, and no write when none is stuck."""
    if _stuck_exports().filter(pack=pack).exists():
        pack_exports_sweep()


def _export_send(export: PackExport) -> None:
    export.state = PackExport.State.QUEUED
    export.sends += 1
    export.sent_at = timezone.now()
    export.save(update_fields=["state", "sends", "sent_at"])
    job_send_on_commit(PACK_EXPORT_TASK, export.pk)


def _export_fail(export: PackExport) -> None:
    pack_export_fail(export_id=export.pk, error=EXPORT_STOPPED)


@transaction.atomic
def pack_export_retry(*, export: PackExport) -> PackExport:
    """Try a failed export again, as a fresh request for the same file; any other is left."""
    changed = PackExport.objects.filter(pk=export.pk, state=PackExport.State.FAILED).update(
        state=PackExport.State.QUEUED,
        error="",
        finished_at=None,
        sends=1,
        sent_at=timezone.now(),
    )
    if changed:
        job_send_on_commit(PACK_EXPORT_TASK, export.pk)
    return PackExport.objects.get(pk=export.pk)


@transaction.atomic
def pack_draft_upsert(
    *,
    committee_slug: str,
    meeting_date: dt.date,
    agenda_number: int | None,
    title: str,
    quarter: Quarter,
    sections: list[str],
    cover: dict[str, str],
    by: User | None,
) -> tuple[CommitteePack, Change]:
    """Create or update the draft pack with this title for the committee's meeting on that
    date (the demo's real pack). A published pack is never changed: it is reported unchanged.
    Raises Meeting.DoesNotExist."""
    meeting = Meeting.objects.get(committee__slug=committee_slug, starts_at__date=meeting_date)
    existing = CommitteePack.objects.filter(meeting=meeting, title=title).first()
    if existing and existing.state == CommitteePack.State.PUBLISHED:
        return existing, "unchanged"
    values: dict[str, Any] = {
        "agenda_item": (
            None
            if agenda_number is None
            else meeting.agenda_items.filter(number=agenda_number).first()
        ),
        "quarter": quarter,
        "sections": [s for s in PackSection.values if s in sections],
        "cover": cover,
    }
    if existing is None:
        values["created_by"] = by
    return record_upsert(CommitteePack, lookup={"meeting": meeting, "title": title}, values=values)
