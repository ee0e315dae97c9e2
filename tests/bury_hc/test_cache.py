"""The fail-safe cache: with Redis unreachable a read misses, a write is dropped, pages answer."""

import socket
from decimal import Decimal as D

import pytest
from django.core.cache import caches
from django.urls import reverse

from bury_hc.cache import FailSafeRedisCache, _Degraded
from bury_hc.periods import Period, Quarter
from bury_hc.roles import Role
from performance.snapshots import snapshots_rebuild
from tests.factories import AreaFactory, MeasureFactory, ObservationFactory, user_with_role


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_redis_url() -> str:
    _Degraded.last_logged = 0.0
    return f"redis://127.0.0.1:{closed_port()}/0"


@pytest.fixture
def dead_cache(settings, dead_redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "bury_hc.cache.FailSafeRedisCache",
            "LOCATION": dead_redis_url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return caches["default"]


def test_fail_safe_cache_misses_and_drops_writes_when_redis_is_down(dead_redis_url, caplog):
    cache = FailSafeRedisCache(dead_redis_url, {"OPTIONS": {"socket_connect_timeout": 0.5}})

    assert cache.get("key", "fallback") == "fallback"
    assert cache.set("key", "value") is None
    assert cache.add("key", "value") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("key", lambda: "computed") == "computed"
    assert cache.delete("key") is False
    assert "Cache unavailable (get: ConnectionError)" in caplog.text


@pytest.fixture
def highlight_measure(db):
    bury = AreaFactory(ons_code="E08000002", name="Bury")
    measure = MeasureFactory(code="ASC-WL-01", name="People waiting", in_highlight_report=True)
    ObservationFactory(
        measure=measure, area=bury, period=Period.for_quarter(Quarter(2024, 4)), value=D("54")
    )
    snapshots_rebuild()
    return measure


def test_highlight_report_answers_with_the_cache_down(
    client, highlight_measure, dead_cache, caplog
):
    assert isinstance(dead_cache, FailSafeRedisCache)
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    response = client.get(reverse("performance:highlights") + "?quarter=2024-25-Q4")

    assert response.status_code == 200
    assert "<strong>54</strong>" in response.content.decode()  # the table, computed
    # The first cache call of the request logs it (the session's, sessions being cached_db).
    assert "Cache unavailable (" in caplog.text
    assert "ConnectionError); pages are computed without it" in caplog.text
