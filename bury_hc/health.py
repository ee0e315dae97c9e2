"""The /healthz endpoint: the database, the cache and the Celery worker (or in-process execution).

Anyone may call it (ADR 0003): it answers each check's name and "ok" or "failed", nothing more.
Why a check failed goes to the log, and is shown on the page only to a signed-in administrator.
Results are kept for HEALTH_CHECK_CACHE_SECONDS (5) in each process, so that many probes polling it
cost one round of checks every few seconds, not one per call (the Celery ping alone waits up
to a second).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.module_loading import import_string
from django.views import View
from health_check.base import HealthCheck, HealthCheckResult

from bury_hc.roles import Role, user_has_role

logger = logging.getLogger(__name__)

HEALTH_CHECK_CACHE_SECONDS = settings.HEALTH_CHECK_CACHE_SECONDS


@dataclasses.dataclass
class CeleryInProcess(HealthCheck):
    """In the embedded default tasks run eagerly in the web process (in its background
    threads, `bury_hc.background`): nothing to ping."""

    def run(self) -> None:
        return None


# The public name of each check (the class name of django-health-check's check otherwise).
CHECK_NAMES = {"Ping": "Celery", "CeleryInProcess": "Celery"}


def configured_checks() -> list[HealthCheck]:
    checks: list = ["health_check.checks.Database", "health_check.checks.Cache"]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks.append("bury_hc.health.CeleryInProcess")
    else:
        checks.append("health_check.contrib.celery.Ping")
    return [import_string(check)() for check in checks]


@dataclasses.dataclass(frozen=True)
class CheckOutcome:
    name: str
    ok: bool
    detail: str  # why it failed; for administrators and the log only
    seconds: float


@dataclasses.dataclass(frozen=True)
class HealthReport:
    outcomes: tuple[CheckOutcome, ...]
    checked_at: float  # time.monotonic()

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes)


def _outcome(result: HealthCheckResult) -> CheckOutcome:
    name = type(result.check).__name__
    return CheckOutcome(
        name=CHECK_NAMES.get(name, name),
        ok=result.error is None,
        detail="" if result.error is None else str(result.error),
        seconds=result.time_taken,
    )


async def _run(checks: Iterable[HealthCheck]) -> list[HealthCheckResult]:
    return await asyncio.gather(*(check.get_result() for check in checks))


class _ReportCache:
    """The last report of this process, refreshed by one caller at a time; while one caller
    refreshes it, the others are given the previous report rather than queueing behind it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.report: HealthReport | None = None

    def get(self) -> HealthReport:
        report = self.report
        if report is not None and time.monotonic() - report.checked_at < (
            HEALTH_CHECK_CACHE_SECONDS
        ):
            return report
        if not self.lock.acquire(blocking=report is None):
            # Someone else is refreshing it; without a report, acquire() waited instead.
            return report  # type: ignore[return-value]
        try:
            results = async_to_sync(_run)(configured_checks())
            self.report = HealthReport(
                outcomes=tuple(_outcome(result) for result in results),
                checked_at=time.monotonic(),
            )
            for outcome in self.report.outcomes:
                if not outcome.ok:
                    logger.warning("Health check %s failed: %s", outcome.name, outcome.detail)
            return self.report
        finally:
            self.lock.release()

    def clear(self) -> None:
        self.report = None


reports = _ReportCache()


def _wants(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "")
    if fmt in {"json", "text"}:
        return fmt
    accept = request.headers.get("accept", "")
    if "application/json" in accept:
        return "json"
    if "text/plain" in accept and "text/html" not in accept:
        return "text"
    return "html"


class HealthView(View):
    """Served without login (see urls) so that load balancers can call it: 200 when every
    check passes, 503 when any fails."""

    def get(self, request: HttpRequest) -> HttpResponse:
        report = reports.get()
        status = 200 if report.ok else 503
        detailed = user_has_role(request.user, Role.ADMINISTRATOR)
        states = {outcome.name: "ok" if outcome.ok else "failed" for outcome in report.outcomes}
        response: HttpResponse
        match _wants(request):
            case "json":
                body: dict = {"status": "ok" if report.ok else "failed", "checks": states}
                if detailed:
                    body["detail"] = {o.name: o.detail or "ok" for o in report.outcomes}
                response = JsonResponse(body, status=status)
            case "text":
                lines = [f"{name}: {state}" for name, state in states.items()]
                response = HttpResponse(
                    "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=status
                )
            case _:
                response = render(
                    request,
                    "health.html",
                    {"report": report, "detailed": detailed},
                    status=status,
                )
        patch_vary_headers(response, ["Accept", "Cookie"])
        add_never_cache_headers(response)
        return response
