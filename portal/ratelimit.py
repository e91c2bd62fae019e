"""Counting requests in the shared cache for rate limits.

The cache is Redis in production. When it cannot be reached the limits fail open: the
verification page and the API keep answering (logged, so an operator sees it), because a
regulator's or a pipeline's check must not turn into an error page while Redis restarts.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

try:  # the redis client is installed wherever CACHE_URL can name Redis
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError

CACHE_ERRORS = (RedisError, OSError)


def count_hit(key: str, window_seconds: int) -> int | None:
    """Count one request under `key` in a fixed window; the count so far, or None when the
    cache is unreachable (the caller lets the request through)."""
    try:
        cache.add(key, 0, timeout=window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds)
            return 1
    except CACHE_ERRORS as exc:
        log_cache_down(exc)
        return None


def log_cache_down(exc: BaseException) -> None:
    logger.warning("rate limit not applied: the cache is unreachable (%s)", type(exc).__name__)
