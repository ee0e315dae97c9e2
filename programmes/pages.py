"""What other apps add to a programme's page, without `programmes` importing them.

An app that depends on `programmes` (finance: the budget lines that fund a programme) registers
a `ProgrammePageSection` in its `AppConfig.ready()`; the programme page renders each one, in
the order registered, with the context its function gives for the programme.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from programmes.models import Programme


@dataclass(frozen=True)
class ProgrammePageSection:
    """A template and the function giving its context for a programme (its own queries)."""

    template_name: str
    context: Callable[[Programme], dict[str, Any]]


_SECTIONS: list[ProgrammePageSection] = []


def programme_page_section_register(section: ProgrammePageSection) -> None:
    """Add a section to every programme's page (once, however often called)."""
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def programme_page_sections_render(
    *, programme: Programme, request: HttpRequest
) -> list[SafeString]:
    """Each registered section rendered for the programme, in the order registered."""
    return [
        render_to_string(section.template_name, section.context(programme), request=request)
        for section in _SECTIONS
    ]
