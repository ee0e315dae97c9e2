"""Reads of committees, meetings and packs.

`pack_content` is the one place a pack's content comes from: for a draft it is built now from
the other apps' selectors; for a published pack it is the frozen copy taken at publication.
Content is plain JSON (strings, numbers as decimal strings, lists, dicts) so that it can be
frozen on the pack and rendered the same way into HTML, PDF, Word and Excel.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.html import strip_tags

from bury_hc import formatting
from bury_hc.models import ImportBatch
from bury_hc.periods import Quarter
from bury_hc.roles import Role, user_has_role
from scrutiny.models import Committee, CommitteePack, Meeting, PackExport, PackSection

# The council's report cover, in its order: (key, heading, numbered list?)
COVER_FIELDS: tuple[tuple[str, str], ...] = (
    ("classification", "Classification"),
    ("report_of", "Report of"),
    ("author", "Report author and contact details"),
    ("summary", "Summary"),
    ("recommendations", "Recommendations"),
    ("reasons", "Reasons for recommendations"),
    ("alternatives", "Alternative options considered and rejected"),
    ("corporate_priorities", "Links with the corporate priorities"),
    ("equality", "Equality impact and considerations"),
    ("environmental", "Environmental impact and considerations"),
    ("risk", "Assessment and mitigation of risk"),
    ("legal", "Legal implications"),
    ("financial", "Financial implications"),
    ("appendices", "Appendices"),
    ("background_papers", "Background papers"),
    ("glossary", "Glossary of terms"),
    ("executive_summary", "Executive summary"),
)
COVER_KEYS = tuple(key for key, _ in COVER_FIELDS)
PACK_MANAGERS = (Role.SCRUTINY_OFFICER, Role.ADMINISTRATOR)


def committees_with_meetings() -> QuerySet[Committee]:
    """Committees with their members and meetings (newest first) and each meeting's agenda."""
    return Committee.objects.prefetch_related(
        "members",
        Prefetch(
            "meetings",
            queryset=Meeting.objects.prefetch_related("agenda_items", "packs").order_by(
                "-starts_at"
            ),
        ),
    )


def can_manage_packs(user) -> bool:
    return user_has_role(user, *PACK_MANAGERS)


def packs_visible_to(user) -> QuerySet[CommitteePack]:
    """Drafts only for those who build packs; everyone else sees published packs."""
    packs = CommitteePack.objects.select_related("meeting", "meeting__committee", "agenda_item")
    if can_manage_packs(user):
        return packs
    return packs.filter(state=CommitteePack.State.PUBLISHED)


def pack_exports(*, pack: CommitteePack) -> QuerySet[PackExport]:
    return pack.exports.select_related("requested_by").order_by("-created_at")


def previous_pack(*, pack: CommitteePack, published_only: bool = False) -> CommitteePack | None:
    """The latest other pack for the same committee from an earlier (or the same) meeting."""
    packs = CommitteePack.objects.filter(meeting__committee_id=pack.meeting.committee_id).exclude(
        pk=pack.pk
    )
    if pack.pk:
        packs = packs.filter(
            Q(meeting__starts_at__lt=pack.meeting.starts_at)
            | Q(meeting__starts_at=pack.meeting.starts_at, pk__lt=pack.pk)
        )
    if published_only:
        packs = packs.filter(state=CommitteePack.State.PUBLISHED)
    return packs.order_by("-meeting__starts_at", "-pk").first()


def cover_start(*, meeting: Meeting) -> dict[str, str]:
    """The cover text of the committee's latest pack, offered as a start for a new one."""
    latest = (
        CommitteePack.objects.filter(meeting__committee_id=meeting.committee_id)
        .order_by("-meeting__starts_at", "-pk")
        .first()
    )
    return dict(latest.cover) if latest else {}


# --- content ------------------------------------------------------------------------------


def _num(value: Decimal | None) -> str | None:
    """A decimal as plain text without trailing zeros ("54", "0.85"), exact in JSON."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def pack_content(*, pack: CommitteePack) -> dict[str, Any]:
    """What the pack shows: its frozen copy once published, built from live data before.

    A draft says so (`draft`), and every format marks it "Draft — not for publication"; the
    document date is the publication date, or today for a draft."""
    if pack.state == CommitteePack.State.PUBLISHED and pack.snapshot is not None:
        published_on = timezone.localdate(pack.published_at) if pack.published_at else None
        return {**pack.snapshot, "draft": False, "document_date": _date(published_on)}
    return {**pack_content_build(pack=pack), "draft": True, "document_date": _date(None)}


def _date(day: dt.date | None) -> str:
    return (day or timezone.localdate()).isoformat()


def pack_content_build(*, pack: CommitteePack) -> dict[str, Any]:
    """Build the pack's content now from the apps' selectors (read-only)."""
    quarter: Quarter = pack.quarter
    meeting = pack.meeting
    sections = [s for s in PackSection.values if s in (pack.sections or [])]
    content: dict[str, Any] = {
        "title": pack.title,
        "committee": meeting.committee.name,
        "meeting_date": f"{meeting.starts_at:%-d %B %Y}",
        "place": meeting.place,
        "item_number": pack.agenda_item.number if pack.agenda_item else None,
        "quarter": quarter.label,
        "sections": sections,
        "unavailable": [],
    }
    if PackSection.COVER in sections:
        content["cover"] = _cover_content(pack.cover or {})
    if PackSection.PERFORMANCE in sections:
        content["performance"] = _performance_content(quarter)
    if PackSection.PROGRAMMES in sections:
        content["programmes"] = _programmes_content(quarter)
    if PackSection.FUND in sections:
        content["fund"] = _fund_content(quarter)
    if PackSection.CHANGES in sections:
        content["changes"] = _changes_content(pack, content)
    return content


SEPARATOR_LINE = re.compile(r"^[-–—_*=~\s]+$")


def _paragraphs(text: str) -> list[str]:
    """Text as typed or pasted in, as plain paragraphs for every format: markup such as
    "12<sup>th</sup>" is reduced to its words ("12th") and separator lines ("---") are dropped."""
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text or ""):
        lines = [strip_tags(line).strip() for line in chunk.splitlines()]
        lines = [line for line in lines if line and not SEPARATOR_LINE.match(line)]
        if lines:
            paragraphs.append("\n".join(lines))
    return paragraphs


def _cover_content(cover: dict[str, str]) -> list[dict[str, Any]]:
    fields = []
    for key, heading in COVER_FIELDS:
        paragraphs = _paragraphs(cover.get(key) or "")
        if not paragraphs:
            continue
        lines = [line for paragraph in paragraphs for line in paragraph.splitlines()]
        fields.append(
            {
                "key": key,
                "heading": heading,
                "paragraphs": paragraphs,
                "items": lines if key == "recommendations" else [],
                "glossary": [
                    [part.strip() for part in line.split(":", 1)] for line in lines if ":" in line
                ]
                if key == "glossary"
                else [],
            }
        )
    return fields


def _rank_content(rank) -> dict[str, Any]:
    """A computed rank as the dashboard words it (the same function), and as numbers where it
    is ranked at all."""
    return {
        "group": rank.group_short_name or rank.group,
        "group_name": rank.group,
        "rank": rank.rank if rank.is_ranked else None,
        "out_of": rank.out_of if rank.is_ranked else None,
        "sentence": rank.sentence,
    }


def _performance_row(row, measure) -> dict[str, Any]:
    published = row.published
    return {
        "code": row.measure_code,
        "name": row.measure_name,
        "section": row.section,
        "section_label": row.section_label,
        "polarity": row.polarity_label,
        "unit": row.unit,
        "unit_label": measure.get_unit_display() if measure else row.unit,
        "decimal_places": row.decimal_places,
        "value": _num(row.latest_value),
        "value_text": row.latest_value_text,
        "period": row.latest_period,
        "previous_text": row.previous_value_text,
        "previous_period": row.previous_period,
        "direction": row.direction_vs_previous,
        "direction_label": row.direction_vs_previous_label,
        "direction_text": row.direction_text,
        "last_year_text": row.last_year_value_text,
        "direction_last_year_label": row.direction_vs_last_year_label,
        "status": row.status,
        "status_label": row.status_label,
        "target_text": row.target_text,
        # "–" where there is no target: the table says once which measures have none.
        "status_text": f"{row.status_label} (target {row.target_text})" if row.has_target else "–",
        "ranks": [_rank_content(rank) for rank in row.ranks],
        "published_ranks": [
            {
                "group": r.group_short_name or r.group_name,
                "group_name": r.group_name,
                "rank": r.rank,
                "out_of": r.out_of,
                "as_at": r.as_at,
            }
            for r in (published.ranks if published else ())
        ],
        "published_differences": list(published.differences) if published else [],
        "in_highlight": bool(measure and measure.in_highlight_report),
        "sparkline": [[point.label, _num(point.value)] for point in row.sparkline],
        "sparkline_text": row.sparkline_text,
    }


def _performance_content(quarter: Quarter) -> dict[str, Any]:
    from performance import selectors as performance

    measures = {m.code: m for m in performance.measure_catalogue()}
    all_rows = [
        _performance_row(row, measures.get(row.measure_code))
        for row in performance.dashboard_rows(quarter=quarter)
    ]
    sections = []
    for summary in performance.report_sections():
        section_rows = [row for row in all_rows if row["section"] == summary.slug]
        commentary = performance.section_commentary(section=summary.slug, quarter=quarter)
        if not section_rows and commentary is None:
            continue
        sections.append(
            {
                "slug": summary.slug,
                "label": summary.label,
                "commentary": _paragraphs(commentary.text if commentary else ""),
                "rows": section_rows,
                "targets_note": _targets_note(section_rows),
            }
        )
    highlights = [row for row in all_rows if row["in_highlight"]]
    return {
        "highlights": highlights,
        "highlights_targets_note": _targets_note(highlights),
        "sections": sections,
        "data_sources": [
            {
                "code": m.code,
                "name": m.name,
                "data_source": m.data_source,
                "what_good_looks_like": m.what_good_looks_like,
            }
            for m in measures.values()
            if m.is_active and (m.data_source or m.what_good_looks_like)
        ],
        "dashboard_version": performance.dashboard_version(quarter=quarter),
    }


def _targets_note(rows: list[dict[str, Any]]) -> str:
    from performance.assessment import targets_sentence

    return targets_sentence(
        with_target=sum(1 for row in rows if row["target_text"]), total=len(rows)
    )


def _programmes_content(quarter: Quarter) -> list[dict[str, Any]]:
    from programmes import selectors as programmes

    result = []
    for programme in programmes.programmes_for_overview():
        page = programmes.programme_page(slug=programme.slug, quarter=quarter)
        milestones = []
        for row in page.rows:
            update, previous = row.update, row.previous
            milestones.append(
                {
                    "title": row.milestone.title,
                    "status": update.status if update else "",
                    "status_label": update.get_status_display() if update else "No update yet",
                    "previous_status": previous.status if previous else "",
                    "previous_label": previous.get_status_display() if previous else "None",
                    "commentary": " ".join(_paragraphs(update.commentary)) if update else "",
                    "path_to_green": " ".join(_paragraphs(update.path_to_green)) if update else "",
                }
            )
        result.append(
            {
                "name": str(programme),
                "milestones": milestones,
                "exceptions": [m for m in milestones if m["status"] in ("amber", "red")],
            }
        )
    return result


def _fund_content(quarter: Quarter) -> dict[str, Any]:
    """The fund at the pack's quarter, or, where nothing has been entered for it, at the latest
    signed-off quarter before it, saying so in words. Never a column of £0."""
    from finance import selectors as finance

    summary = finance.fund_quarter_summary(quarter=quarter)
    if summary.total.reported_count:
        if summary.state.is_signed_off:
            note = f"The {quarter.label} figures, signed off by the finance lead."
        else:
            note = (
                f"The {quarter.label} figures as entered so far: the finance lead has not yet "
                "signed them off."
            )
        return _fund_figures(summary, note)
    earlier = [q for q in finance.fund_quarters() if q < quarter]
    signed = sorted(finance.signed_off_quarters(quarters=earlier), reverse=True)
    if not signed:
        return {
            "quarter": quarter.label,
            "shown_quarter": "",
            "note": f"No {quarter.label} figures have been entered, and no earlier quarter "
            "has been signed off.",
            "total": None,
            "pools": [],
        }
    latest = signed[0]
    note = (
        f"No {quarter.label} figures have been entered; the latest signed-off quarter is "
        f"{latest.label}, shown below."
    )
    return {
        **_fund_figures(finance.fund_quarter_summary(quarter=latest), note),
        "quarter": quarter.label,
    }


def _fund_figures(summary, note: str) -> dict[str, Any]:
    def totals(t) -> dict[str, Any]:
        return {
            "label": t.label,
            "budget": _num(t.budget),
            "actual_to_date": _num(t.actual_to_date),
            "forecast_outturn": _num(t.forecast_outturn),
            "variance": _num(t.variance.amount) if t.variance else None,
            "budget_text": formatting.pounds(t.budget),
            "actual_text": formatting.pounds(t.actual_to_date),
            "forecast_text": formatting.pounds(t.forecast_outturn),
            "variance_text": formatting.pounds_signed(t.variance.amount) if t.variance else "",
            "status_label": t.status.label,
            "reported": f"{t.reported_count} of {t.line_count}",
        }

    return {
        "quarter": summary.quarter.label,
        "shown_quarter": summary.quarter.label,
        "note": note,
        "total": totals(summary.total),
        "pools": [totals(p) for p in summary.pools],
    }


def _changes_content(pack: CommitteePack, content: dict[str, Any]) -> dict[str, Any]:
    """Compare this pack's figures with the committee's last published pack's frozen copy."""
    earlier = previous_pack(pack=pack, published_only=True)
    if earlier is None or not earlier.snapshot:
        return {"since": "", "measures": [], "milestones": []}
    return _changes_between(earlier, content)


def last_published_pack(*, committee_slug: str) -> CommitteePack | None:
    """The committee's latest published pack (one query)."""
    return (
        CommitteePack.objects.filter(
            meeting__committee__slug=committee_slug, state=CommitteePack.State.PUBLISHED
        )
        .select_related("meeting", "meeting__committee")
        .order_by("-meeting__starts_at", "-pk")
        .first()
    )


def changes_since_published(*, pack: CommitteePack, quarter: Quarter) -> dict[str, Any]:
    """What changed between a published pack's frozen figures and the live figures for
    `quarter`, computed exactly as a pack's "what changed" section is: new Reds, status and
    direction moves, revised figures."""
    content = {
        "performance": _performance_content(quarter),
        "programmes": _programmes_content(quarter),
    }
    return _changes_between(pack, content)


def _changes_between(earlier: CommitteePack, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "since": f"{earlier.title} ({earlier.meeting})",
        "measures": _measure_changes(earlier.snapshot, content),
        "milestones": _milestone_changes(earlier.snapshot, content),
    }


def _rows_by_code(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        row["code"]: row
        for section in (content.get("performance") or {}).get("sections", [])
        for row in section["rows"]
    }


def _measure_changes(before: dict[str, Any], now: dict[str, Any]) -> list[dict[str, str]]:
    old_rows = _rows_by_code(before)
    changes = []
    for code, row in _rows_by_code(now).items():
        old = old_rows.get(code)
        notes = _measure_change_notes(old, row) if old else []
        if notes:
            changes.append({"name": row["name"], "changes": "; ".join(notes)})
    return changes


def _measure_change_notes(old: dict[str, Any], row: dict[str, Any]) -> list[str]:
    notes = []
    if old["status"] != row["status"]:
        notes.append(f"status {old['status_label']} to {row['status_label']}")
    if old["direction"] != row["direction"]:
        notes.append(f"direction {old['direction_label']} to {row['direction_label']}")
    if old["period"] == row["period"] and old["value"] != row["value"]:
        notes.append(f"{row['period']} revised from {old['value_text']} to {row['value_text']}")
    return notes


def _milestone_changes(before: dict[str, Any], now: dict[str, Any]) -> list[dict[str, str]]:
    old_milestones = {
        (p["name"], m["title"]): m for p in before.get("programmes") or [] for m in p["milestones"]
    }
    changes = []
    for programme in now.get("programmes") or []:
        for m in programme["milestones"]:
            old = old_milestones.get((programme["name"], m["title"]))
            if old and old["status"] != m["status"]:
                note = f"{old['status_label']} to {m['status_label']}"
                if m["status"] == "red":
                    note += " (new Red)"
                changes.append({"name": f"{programme['name']}: {m['title']}", "changes": note})
    return changes


def pack_sources(*, pack: CommitteePack, content: dict[str, Any]) -> dict[str, Any]:
    """What was current when the pack was frozen: the quarter, snapshot versions, batches."""
    latest = ImportBatch.objects.order_by("-pk").values("pk", "file_name", "sha256").first()
    return {
        "quarter": pack.quarter.code,
        "dashboard_version": (content.get("performance") or {}).get("dashboard_version", ""),
        "latest_import_batch": latest,
        "import_batch_count": ImportBatch.objects.count(),
    }
