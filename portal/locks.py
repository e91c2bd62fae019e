"""Cross-worker exclusion for background jobs, on PostgreSQL session-level advisory locks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def exclusive(lock_class: int, key: int) -> Iterator[bool]:
    """Yields True while this connection holds the lock (lock_class, key), False when another
    one does. A redelivered or duplicate task that finds it taken does nothing; if the worker
    dies, its connection closes, the lock goes with it and the redelivered task can take over.
    (SQLite, the single-machine default, runs one solo worker: nothing to exclude.)"""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [lock_class, key])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [lock_class, key])
