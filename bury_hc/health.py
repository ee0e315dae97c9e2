"""The /healthz endpoint: database, cache and the Celery worker (or in-process execution)."""

import dataclasses

from django.conf import settings
from health_check.base import HealthCheck
from health_check.views import HealthCheckView


@dataclasses.dataclass
class CeleryInProcess(HealthCheck):
    """In the embedded default tasks run eagerly in the web process: nothing to ping."""

    def run(self) -> None:
        return None


def configured_checks() -> list:
    checks: list = ["health_check.checks.Database", "health_check.checks.Cache"]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks.append("bury_hc.health.CeleryInProcess")
    else:
        checks.append(("health_check.contrib.celery.Ping", {}))
    return checks


class HealthView(HealthCheckView):
    """Served without login (see urls) so load balancers can call it; it shows only check
    names and their states."""

    def get_checks(self):
        self.checks = configured_checks()
        return super().get_checks()
