"""The cache every page goes through: Redis, but a Redis that cannot be reached is a cache miss.

Pages cache only what they can compute again (the highlight table, for one), so when Redis is
down a read answers "not cached" and a write is dropped: the page is computed, slower but
whole, and the failure is logged, instead of the page failing with a server error.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 30.0  # one warning per process every 30 s while Redis stays down


class _Degraded:
    """Logs the failure, at most every LOG_EVERY_SECONDS, and gives the fallback answer."""

    last_logged = 0.0

    @classmethod
    def log(cls, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - cls.last_logged >= LOG_EVERY_SECONDS:
            cls.last_logged = now
            logger.warning(
                "Cache unavailable (%s: %s); pages are computed without it.",
                operation,
                type(exc).__name__,
                exc_info=exc,
            )


def _fail_safe(fallback: Any):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                _Degraded.log(method.__name__, exc)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


class FailSafeRedisCache(RedisCache):
    """django's RedisCache whose reads miss and writes are dropped while Redis is unreachable."""

    get = _fail_safe(_default)(RedisCache.get)
    get_many = _fail_safe(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _fail_safe(False)(RedisCache.has_key)
    set = _fail_safe(None)(RedisCache.set)
    add = _fail_safe(False)(RedisCache.add)
    touch = _fail_safe(False)(RedisCache.touch)
    set_many = _fail_safe(lambda *args, **kwargs: [])(RedisCache.set_many)
    delete = _fail_safe(False)(RedisCache.delete)
    delete_many = _fail_safe(None)(RedisCache.delete_many)
    clear = _fail_safe(False)(RedisCache.clear)
