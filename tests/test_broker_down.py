"""Redis down for a moment: requests that queue work still answer, tell the person the work is
queued, lose nothing, and the sweeper sends the work once Redis is back, where a real worker
does it exactly once. The test runs its own redis-server on a free port (never the shared one),
stops it, acts through the real views, starts it again and runs the sweeper.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outbox.models import OutboxMessage
from outbox.services import QUEUED_WHILE_DOWN, sweep_lost_work
from portal.celery import app
from providers.models import Role
from tests import factories
from tests.brokers import use_broker as _use_broker

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
    # Like tests/test_worker.py: the real-worker tests run where the suite runs on Redis (and
    # PostgreSQL), not on the embedded defaults.
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
        reason="CELERY_BROKER_URL is not a redis:// URL; the real-worker tests need Redis",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path, transactional_db):
    redis = OwnRedis(tmp_path)
    redis.start()
    previous = app.conf.broker_write_url
    _use_broker(redis.url)
    app.conf.task_always_eager = False
    yield redis
    redis.stop()
    _use_broker(previous)


def _wait_for(predicate, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_work_queued_while_redis_is_down_is_done_once_when_it_is_back(own_redis, settings):
    from assessments.models import Analysis, AnalysisStatus, Assessment
    from assessments.services import assessment_start, get_catalogue
    from audit.models import Action, AuditEvent
    from dossiers.models import Dossier, DossierStatus
    from filing import summary
    from library.loading import load_library
    from library.models import Questionnaire
    from providers.models import Invitation
    from tests import artefacts

    if not Questionnaire.objects.exists():  # an earlier transactional test flushed it
        load_library()
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER, email="owner@down.example.cn").user
    assessment, _ = assessment_start(service=factories.make_service(provider), user=owner)
    question = next(q for q in get_catalogue(assessment.questionnaire).questions if q.analyser)
    client = Client()
    client.force_login(owner)

    own_redis.stop()  # --- Redis is down ---------------------------------------------------
    started = time.monotonic()
    invited = client.post(
        reverse("providers:members", args=[provider.public_id]),
        {"email": "new@down.example.cn", "role": "viewer"},
        follow=True,
    )
    name, content = artefacts.passing(question.analyser, provider.credit_code)
    uploaded = client.post(
        reverse(
            "assessments:evidence_upload",
            kwargs={"assessment": assessment.public_id, "question": question.code},
        ),
        {"file": SimpleUploadedFile(name, content)},
        HTTP_HX_REQUEST="true",
    )
    requested = client.post(
        reverse("dossiers:generate", kwargs={"assessment": assessment.public_id}),
        {"edition": "zh"},
        HTTP_HX_REQUEST="true",
    )
    # An autosave: saved at once; the filing summary it outdates waits in the outbox too
    # (nobody asked for that work, so nobody is told about it).
    text = next(
        q
        for q in get_catalogue(assessment.questionnaire).questions
        if q.kind == "text" and not q.gate
    )
    autosaved = client.post(
        reverse(
            "assessments:answer",
            kwargs={"assessment": assessment.public_id, "question": text.code},
        ),
        {"revision": 0, "value": "按季度开展安全评估"},
        HTTP_HX_REQUEST="true",
    )
    assert time.monotonic() - started < 30, "requests waited for the broker"
    assert autosaved.status_code == 200
    assert invited.status_code == requested.status_code == uploaded.status_code == 200
    with translation.override("zh-hans"):
        told = str(QUEUED_WHILE_DOWN)
    assert told in invited.content.decode()  # the page after the redirect says so
    assert told in uploaded.content.decode()  # the fragments say so
    assert told in requested.content.decode()
    assert told not in autosaved.content.decode()
    invitation = Invitation.objects.get(email="new@down.example.cn")
    analysis = Analysis.objects.get(evidence__assessment=assessment)
    assert analysis.status == AnalysisStatus.PENDING
    dossier = Dossier.objects.get(assessment=assessment)
    assert dossier.status == DossierStatus.QUEUED
    assert OutboxMessage.objects.count() == 4  # kept, not lost
    assert sweep_lost_work()["resent"] == 0  # still down: nothing sent, nothing dropped
    assert OutboxMessage.objects.count() == 4
    assert Assessment.objects.get(pk=assessment.pk).summary_outdated

    own_redis.start()  # --- Redis is back ----------------------------------------------------
    OutboxMessage.objects.update(
        created_at=OutboxMessage.objects.first().created_at.replace(year=2000)
    )  # older than the grace the sweeper gives requests still sending
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert sweep_lost_work()["resent"] == 4
        assert _wait_for(lambda: len(mail.outbox) == 1), "the invitation was never mailed"
        assert _wait_for(
            lambda: Analysis.objects.get(pk=analysis.pk).status != AnalysisStatus.PENDING
        ), "the analysis never ran"
        assert _wait_for(
            lambda: Dossier.objects.get(pk=dossier.pk).status == DossierStatus.READY, timeout=180
        ), "the dossier was never built"
        assert _wait_for(lambda: not Assessment.objects.get(pk=assessment.pk).summary_outdated), (
            "the filing summary never caught up"
        )
        # Another sweep finds nothing left: each piece of work was sent once.
        assert not any(sweep_lost_work().values())
        time.sleep(1)
    assert [m.to for m in mail.outbox] == [[invitation.email]]
    assert Analysis.objects.get(pk=analysis.pk).status == AnalysisStatus.DONE
    assert not OutboxMessage.objects.exists()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.filing_routes, stored.blocking_count) == summary.compute(stored)
    built = AuditEvent.objects.filter(action=Action.DOSSIER_GENERATED, object_id=dossier.public_id)
    assert Dossier.objects.filter(assessment=assessment).count() == 1 and built.count() == 1


def test_the_sweeper_runs_on_beat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-lost-work"]
    assert entry["task"] == "outbox.tasks.sweep_lost_work"
    assert entry["schedule"].total_seconds() == settings.SWEEPER_SECONDS == 60


def test_a_killed_worker_is_not_waited_for_an_hour(settings):
    assert settings.DOSSIER_TASK_TIME_LIMIT < settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
        "visibility_timeout", 0
    ) <= settings.DOSSIER_TASK_TIME_LIMIT + 300 or settings.CELERY_BROKER_URL.startswith(
        "filesystem://"
    )
