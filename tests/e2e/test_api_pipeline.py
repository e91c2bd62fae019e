"""The example pipeline of docs/api.md, run as written against the live test server: it uploads
a keyword list with a token, waits for the analysis and prints the keyword-list checks.

With Redis (CI) a real Celery worker analyses the file while the script polls; without it the
analysis runs in the request (the embedded default has no worker in tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from api.tokens import token_create
from assessments.models import Analysis, Evidence
from audit.models import Action, AuditEvent
from library.loading import load_library
from portal.celery import app
from providers.models import Role
from tests import artefacts, factories

pytestmark = [pytest.mark.django_db(transaction=True)]

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
REDIS = os.environ.get("CELERY_BROKER_URL", "").startswith("redis")


def pipeline_script() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- pipeline\.py -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/api.md lost its pipeline example"
    return match.group(1)


@pytest.fixture
def background():
    """A real worker on Redis when there is one; in-process analysis otherwise."""
    if not REDIS:
        yield "eager"
        return
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield "worker"
    app.conf.task_always_eager = True


def _run(tmp_path, live_server, secret, service, language="zh-CN"):
    script = tmp_path / "pipeline.py"
    script.write_text(pipeline_script(), encoding="utf-8")
    name, content = artefacts.keyword_list()
    upload = tmp_path / name
    upload.write_bytes(content)
    env = {
        **os.environ,
        "PORTAL_URL": live_server.url,
        "PORTAL_TOKEN": secret,
        "PORTAL_SERVICE": str(service.public_id),
        "PORTAL_LANGUAGE": language,
    }
    return subprocess.run(
        [sys.executable, str(script), str(upload)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_documented_pipeline_uploads_waits_and_reads_the_check(
    tmp_path, live_server, background
):
    load_library()  # an earlier transactional test may have flushed it
    provider = factories.make_provider()
    editor = factories.make_member(provider, Role.EDITOR).user
    service = factories.make_service(provider, channels=["web", "api"])
    _token, secret = token_create(
        user=editor, name="CI", provider=provider, role=Role.EDITOR, days=7
    )
    result = _run(tmp_path, live_server, secret, service)
    assert result.returncode == 0, result.stdout + result.stderr
    evidence = Evidence.objects.get()
    assert evidence.uploaded_by == editor
    assert Analysis.objects.get(evidence=evidence).status == "done"
    assert "analysis: 已分析" in result.stdout
    assert re.search(r"^pass\s+KW-01 ", result.stdout, re.M), result.stdout
    uses = AuditEvent.objects.filter(action=Action.TOKEN_USED, actor_id=editor.pk).count()
    assert uses >= 4  # start, upload, at least one poll, checks: each one audited

    # The same script in English, by a viewer's token: refused with the page's message.
    viewer = factories.make_member(provider, Role.VIEWER).user
    _token, viewer_secret = token_create(
        user=viewer, name="CI", provider=provider, role=Role.VIEWER, days=7
    )
    refused = _run(tmp_path, live_server, viewer_secret, service, language="en")
    assert refused.returncode == 1
    assert "Not allowed: Your role lets you read, not change, this provider's data." in (
        refused.stderr
    )
