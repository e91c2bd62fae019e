"""Two audited writes at once, on two connections: the second waits for the chain's lock and
must link to the event the first committed meanwhile, not to the head it would have read
before the lock was granted (the chain would fork, and verification would fail)."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.models import Action, AuditEvent
from audit.services import check_chain, record
from tests.concurrency import while_held

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks between two connections"
)


def _waiting_for_the_chain() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_writer_waiting_for_the_chain_links_to_what_committed_meanwhile(transactional_db, owner):
    record(Action.LOGIN, actor=owner, summary="before")
    race = while_held(
        lambda: record(Action.LOGIN, actor=owner, summary="first"),
        lambda: record(Action.LOGOUT, actor=owner, summary="second"),
        blocked=_waiting_for_the_chain,  # the second writer is blocked on the chain's lock
    )
    events = {"first": race.held, "second": race.then}

    assert events["second"].prev_hash == events["first"].hash
    assert AuditEvent.objects.filter(prev_hash=events["first"].prev_hash).count() == 1
    result = check_chain()
    assert result.broken is None, result.reason
    assert result.count == 3
    assert result.head.hash == events["second"].hash
