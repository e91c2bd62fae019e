"""Two writers on two connections, the second arriving while the first holds its locks: what
the race tests of row locks and the audit chain's lock share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import connection, transaction


class Race(NamedTuple):
    held: Any  # what `hold` returned
    then: Any  # what `then` returned
    waited: bool  # `then` was still running when `hold` committed


def while_held(
    hold: Callable[[], Any], then: Callable[[], Any], *, blocked: Callable[[], bool] | None = None
) -> Race:
    """Run `hold` in a transaction on a connection of its own and keep it open; then run `then`
    on another. `hold` commits once `blocked()` says `then` waits (polled, for up to 10 s), or
    after half a second without `blocked`. An exception of either is raised here."""
    held, release = threading.Event(), threading.Event()
    out: dict[str, Any] = {}

    def run(name, body, *, keep_open):
        try:
            if keep_open:
                with transaction.atomic():
                    out[name] = body()
                    held.set()
                    release.wait(10)
            else:
                out[name] = body()
        except BaseException as exc:  # re-raised in the test's thread
            out[f"{name} failed"] = exc
        finally:
            held.set()
            connection.close()

    first = threading.Thread(target=run, args=("held", hold), kwargs={"keep_open": True})
    first.start()
    assert held.wait(10)
    if "held failed" in out:
        raise out["held failed"]
    second = threading.Thread(target=run, args=("then", then), kwargs={"keep_open": False})
    second.start()
    if blocked is None:
        second.join(0.5)
    else:
        deadline = time.monotonic() + 10
        while not blocked():
            assert time.monotonic() < deadline, "the second writer never waited"
            time.sleep(0.01)
    waited = second.is_alive()
    release.set()
    first.join(10)
    second.join(10)
    for name in ("held failed", "then failed"):
        if name in out:
            raise out[name]
    return Race(out.get("held"), out.get("then"), waited)


def waiting_for_a_lock() -> bool:
    """For `blocked`: some connection to this database waits for a lock (a row's, or the audit
    chain's). Better than a fixed delay: the first request of a test process spends a second
    or more importing the URLconf's modules before it reaches a query, and a fixed half second
    would let `hold` commit before the request even tried its lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def holds_chain_lock() -> bool:
    """This connection holds the audit chain's lock (audit.services: taken by a transaction's
    first record(), held to its commit, and every audited write of the portal waits for it).
    PostgreSQL shows a bigint advisory key as its high and low 32 bits."""
    from audit.services import CHAIN_LOCK_KEY

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = %s::oid AND objid = %s::oid "
            "AND objsubid = 1",
            [CHAIN_LOCK_KEY >> 32, CHAIN_LOCK_KEY & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0] > 0


class SlowSteps:
    """Wraps slow steps (functions that write or hash files, recompute state, render) so that
    each call notes whether the audit chain's lock was held when it began: `under_lock` lists
    the names of those that ran while it was. The steps themselves run unchanged."""

    def __init__(self, monkeypatch, steps: dict[str, tuple[object, str]]):
        self.calls: list[tuple[str, bool]] = []
        for name, (owner, attribute) in steps.items():
            real = getattr(owner, attribute)
            monkeypatch.setattr(owner, attribute, self._spy(name, real))

    def _spy(self, name, real):
        def spy(*args, **kwargs):
            self.calls.append((name, holds_chain_lock()))
            return real(*args, **kwargs)

        return spy

    @property
    def under_lock(self) -> list[str]:
        return [name for name, held in self.calls if held]
