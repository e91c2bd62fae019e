"""Evidence storage: one file per content, removed once no evidence names it, and a quota per
provider, so no editor can fill the disk 25 MB a request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments import services
from assessments.filetypes import FileRefused
from assessments.storage import collect_orphans
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(service, editor):
    obj, _created = services.assessment_start(service=service, user=editor)
    return obj


def _code(assessment):
    state = services.load_state(assessment)
    return next(q.code for q in state.catalogue.questions if q.code in state.applicable)


def _files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_identical_uploads_share_one_file_until_the_last_is_removed(assessment, editor, settings):
    code = _code(assessment)
    first = factories.attach(assessment, code, editor, name="制度.pdf", analyse=False)
    second = factories.attach(assessment, code, editor, name="制度副本.pdf", analyse=False)
    assert first.file.name == second.file.name
    assert len(_files(settings)) == 1

    later = timezone.now() + dt.timedelta(days=1)
    services.evidence_delete(evidence=first, user=editor)
    assert collect_orphans(now=later) == []  # the other row still names the file
    assert second.file.open("rb").read() == factories.PDF_BYTES

    services.evidence_delete(evidence=second, user=editor)
    assert collect_orphans() == []  # too recent: an upload may be about to name it
    call_command("clean_evidence_files", "--dry-run", stdout=open("/dev/null", "w"))
    assert len(_files(settings)) == 1
    assert collect_orphans(now=later) == [second.file.name]
    assert _files(settings) == []


def test_a_provider_over_its_quota_is_told_and_nothing_is_stored(assessment, editor, settings):
    settings.EVIDENCE_QUOTA_BYTES = len(factories.PDF_BYTES) + 10
    code = _code(assessment)
    factories.attach(assessment, code, editor, analyse=False)
    factories.attach(assessment, code, editor, analyse=False)  # the same content: free
    other = factories.PDF_BYTES.replace(b"1.4", b"1.7")
    with pytest.raises(FileRefused, match="MB"):
        factories.attach(assessment, code, editor, content=other, analyse=False)
    assert len(_files(settings)) == 1
    assert assessment.evidence.count() == 2


def test_the_clean_up_runs_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["clean-evidence-files"]
    assert entry["task"] == "assessments.tasks.clean_evidence_files"
