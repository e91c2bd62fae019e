"""Attaching a run writes two files and three audit events in one transaction. The audit
chain's lock is held from the first record() to the commit and every audited write of the
portal waits for it: the files must be stored and hashed, and the state recomputed, before
it is taken. Before, the JSONL's upload had recorded its event when the workbook was hashed
and stored (and its analysis requested, and the assessment's state recomputed twice)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from assessments import services as assessment_services
from assessments import storage
from assessments.models import Evidence
from assessments.services import assessment_start
from audit.models import Action, AuditEvent
from audit.services import verify_chain
from library.loading import load_library
from library.models import Questionnaire
from modeltests import services
from tests.concurrency import SlowSteps, holds_chain_lock
from tests.test_api_versions import _stored_files

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the chain's advisory lock needs PostgreSQL"
)


def _slow_steps(monkeypatch) -> SlowSteps:
    return SlowSteps(
        monkeypatch,
        {
            "store": (storage, "store"),
            "hash": (assessment_services, "_checked_file"),
            "analysis": (assessment_services, "request_analysis"),
            "state": (assessment_services, "refresh_assessment"),
        },
    )


def test_no_file_is_stored_or_hashed_while_the_attach_holds_the_chain(
    transactional_db, finished, service, editor, monkeypatch
):
    """Committed as in production (not in the test's transaction, which would hold the lock
    from the draft's own event on)."""
    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    assessment, _ = assessment_start(service=service, user=editor)
    steps = _slow_steps(monkeypatch)

    assert services.run_attach(run=finished, user=editor) == assessment

    # Then the analysis (run at once in the tests, after the commit) recomputes the state.
    assert [name for name, _held in steps.calls][:6] == [
        "hash",
        "hash",
        "store",
        "store",
        "analysis",
        "state",
    ]
    assert steps.under_lock == [], f"ran while the chain's lock was held: {steps.under_lock}"
    assert not holds_chain_lock()  # the probe sees the lock: it is the commit that let it go
    assert Evidence.objects.filter(assessment=assessment).count() == 2
    events = AuditEvent.objects.filter(assessment_id=assessment.pk).order_by("id")
    assert [e.action for e in events][-3:] == [
        Action.EVIDENCE_UPLOADED,
        Action.EVIDENCE_UPLOADED,
        Action.MODEL_TEST_ATTACHED,
    ]
    assert verify_chain() is None


def test_the_probe_sees_the_lock(db, editor):
    """The test above would pass on a probe that never sees the lock."""
    from audit.services import record

    assert not holds_chain_lock()
    record(Action.LOGIN, actor=editor)
    assert holds_chain_lock()  # the test's transaction is still open


def test_a_workbook_past_the_quota_stores_neither_file(finished, service, editor, settings):
    """Both files are checked before either is stored: the JSONL that passed leaves no file
    behind (before, it was stored, and only the daily clean-up removed it an hour later)."""
    assessment, _ = assessment_start(service=service, user=editor)
    jsonl_size = len(_jsonl_bytes(finished))
    settings.EVIDENCE_QUOTA_BYTES = jsonl_size + 10
    with translation.override("en"), pytest.raises(services.RunRefused) as refused:
        services.run_attach(run=finished, user=editor)
    assert refused.value.message.startswith("Your organisation's evidence storage is full")
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert _stored_files() == []
    assert not AuditEvent.objects.filter(action=Action.EVIDENCE_UPLOADED).exists()


def _jsonl_bytes(run) -> bytes:
    from modeltests import exports

    handle, _sha = exports.jsonl_file(run)
    return handle.read()


@pytest.mark.parametrize("spare", [0, -1])
def test_the_quota_counts_both_files_of_an_attach(finished, service, editor, settings, spare):
    """The workbook is checked before the JSONL has its row: the quota still counts the JSONL
    (storage.check_quota's `pending`), so the pair fits exactly or is refused by one byte."""
    from modeltests import exports

    assessment, _ = assessment_start(service=service, user=editor)
    jsonl, jsonl_sha = exports.jsonl_file(finished)
    both = len(jsonl.read()) + len(exports.results_workbook(finished, jsonl_sha))
    settings.EVIDENCE_QUOTA_BYTES = both + spare
    if spare < 0:
        with pytest.raises(services.RunRefused):
            services.run_attach(run=finished, user=editor)
        assert not Evidence.objects.filter(assessment=assessment).exists()
    else:
        services.run_attach(run=finished, user=editor)
        assert Evidence.objects.filter(assessment=assessment).count() == 2
