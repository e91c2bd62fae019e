"""Background work through a real Celery worker on Redis and a real database.

Skipped, with the reason shown, only when CELERY_BROKER_URL is not a Redis URL (a laptop on the
embedded default); CI sets it, and tests/conftest.py fails the run if Redis does not answer.
"""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from portal.celery import app
from providers import services
from providers.models import Role
from providers.tasks import send_invitation_email
from tests import factories

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
        reason="CELERY_BROKER_URL is not a redis:// URL; the real-worker tests need Redis",
    ),
]


@pytest.fixture
def worker(transactional_db):
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_invitation_mail_goes_through_the_worker_after_commit(worker):
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER).user
    invitation = services.invitation_send(
        provider=provider, email="colleague@example.cn", role=Role.EDITOR, invited_by=owner
    )
    assert _wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the invitation"
    message = mail.outbox[0]
    assert message.to == ["colleague@example.cn"]
    assert provider.name_zh in message.subject
    assert services.invitation_token(invitation)[:20] in message.body


def test_a_withdrawn_invitation_is_not_mailed(worker):
    provider = factories.make_provider()
    owner = factories.make_member(provider, Role.OWNER).user
    withdrawn = factories.make_invitation(provider, invited_by=owner, email="gone@example.cn")
    services.invitation_revoke(invitation=withdrawn)
    pending = factories.make_invitation(provider, invited_by=owner, email="here@example.cn")
    # One solo worker takes tasks in order: once the second mail is out, the first task ran.
    send_invitation_email.delay(withdrawn.pk, "http://portal.test/x/", "zh-hans")
    send_invitation_email.delay(pending.pk, "http://portal.test/y/", "zh-hans")
    assert _wait_for(lambda: len(mail.outbox) >= 1)
    assert [m.to for m in mail.outbox] == [["here@example.cn"]]
