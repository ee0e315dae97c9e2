"""What a visitor sees when django-axes has locked a username out at their address."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger(__name__)


def sign_in_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The GOV.UK "try again later" page (HTTP 429), saying when. Each attempt during the
    lockout counts as a failure and starts the cool-off again, so the time is now + cool-off."""
    cooloff = settings.AXES_COOLOFF_TIME
    retry_at = timezone.localtime() + cooloff
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    logger.warning(
        "Sign-in locked out: username %r from %s until %s",
        username,
        getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR"),
        retry_at.isoformat(timespec="minutes"),
    )
    return render(
        request,
        "registration/locked_out.html",
        {
            "retry_at": retry_at,
            "cooloff_minutes": int(cooloff.total_seconds() // 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
