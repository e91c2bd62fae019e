"""A run survives a worker killed mid-way: a real Celery worker process on Redis is killed
with SIGKILL, the run page notices the stale lease and queues the run again, a second worker
finishes it, and no question that had an answer is sent again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse

from modeltests import engine
from modeltests.models import ItemStatus, RunStatus, TestRun
from modeltests.tasks import advance_run
from portal.celery import app
from tests.modeltests.conftest import SECRET
from tests.modeltests.test_runs import make_banks

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
        or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs Redis and PostgreSQL shared with a worker process",
    ),
]
LEASE = 2
CHUNK = 8


def _worker(log) -> subprocess.Popen:
    """A worker logging everything (the HTTP clients' debug lines included) into `log`."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MODEL_TEST_LEASE_SECONDS": str(LEASE),
        "MODEL_TEST_CHUNK": str(CHUNK),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool",
            "solo",
            "-l",
            "debug",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _answered(run) -> set[str]:
    return set(run.items.filter(status=ItemStatus.ANSWERED).values_list("question", flat=True))


def test_a_killed_worker_is_replaced_and_nothing_answered_is_sent_again(
    transactional_db, service, endpoint, scripted, owner_client, settings, tmp_path
):
    settings.MODEL_TEST_LEASE_SECONDS = LEASE
    app.conf.task_always_eager = False
    scripted.latency = 0.15
    endpoint.concurrency = 2
    endpoint.save()
    questions = [f"问题{i}" for i in range(40)]
    run = engine.create_run(
        service=service,
        endpoint=endpoint,
        banks=make_banks(questions),
        sizes={"manual": 40},
        budget=1000,
        keyword_sources=[],
        seed=1,
    )
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    first = _worker(logs[0].open("wb"))
    try:
        advance_run.delay(run.pk)
        assert _wait_for(lambda: len(_answered(run)) >= 10), "the first worker did not start"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        before = _answered(run)
        assert len(before) < 40
        time.sleep(LEASE + 0.5)
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and engine.is_stalled(run)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    second = _worker(logs[1].open("wb"))
    try:
        # The live progress bar's poll queues a stalled run again.
        owner_client.get(reverse("modeltests:run_progress", kwargs={"run": run.public_id}))
        assert _wait_for(lambda: TestRun.objects.get(pk=run.pk).status == RunStatus.FINISHED), (
            "the second worker did not finish the run"
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(20)
    assert _answered(run) == set(questions)
    assert all(scripted.count(q) == 1 for q in before), "an answered question was sent again"
    # Only questions of the chunk the worker was on when it died went twice: those in flight
    # and those answered but not yet written (answers are written every half second or 32).
    twice = [q for q in questions if scripted.count(q) > 1]
    assert len(twice) <= CHUNK
    assert all(scripted.count(q) <= 2 for q in questions)
    # Both workers' logs, at debug level: the requests are there, the endpoint's key is not.
    for log in logs:
        text = log.read_text(errors="replace")
        assert "send_request_headers" in text, log  # the HTTP client logged its requests
        assert SECRET not in text, f"the API key reached {log.name}"
