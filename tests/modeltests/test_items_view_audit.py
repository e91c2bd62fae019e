"""A view of a model test's questions and answers is audited without waiting for the audit
chain's lock behind a long audited write (tests/test_audit_reads.py says how)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent
from tests.conftest import _client_for
from tests.test_audit_reads import (
    appended_by_a_worker,
    assert_deferred,
    needs_redis,
    pytestmark,  # noqa: F401 (PostgreSQL only)
    read_while_a_write_holds_the_chain,
)


@pytest.mark.worker
@needs_redis
def test_the_questions_shown_during_an_audited_write_are_recorded_after_it(
    transactional_db, finished, editor
):
    url = reverse("modeltests:run_items", kwargs={"run": finished.public_id})
    client = _client_for(editor)
    views = AuditEvent.objects.filter(action=Action.MODEL_TEST_ITEMS_VIEWED)

    response, answered_at = read_while_a_write_holds_the_chain(
        lambda: client.get(url, {"draw": "refuse"}), writer=editor
    )
    assert response.status_code == 200
    assert "应拒答0 [refuse]" in response.content.decode()
    assert not views.exists()

    event = appended_by_a_worker(views, count=1)
    assert (event.actor_id, event.object_id, event.summary) == (
        editor.pk,
        str(finished.public_id),
        "items refuse p1",
    )
    assert event.provider_id == finished.service.provider_id
    assert_deferred(event, answered_at=answered_at)
