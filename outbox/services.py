"""Handing background work to the broker so that none is lost when the broker is down.

`dispatch(task, *args)` writes the call into the outbox table inside the caller's transaction
and, once that commits, sends it to the broker and deletes the row. If the broker (Redis) cannot
be reached, the request still succeeds: the row stays, the person is told the work is queued and
will run when the worker is back, and the sweeper (`sweep_lost_work`, run by beat every
SWEEPER_SECONDS) sends it again. The sweeper also re-queues work whose worker died: dossiers and
filing packages whose job went silent (`is_stale`) and analyses still pending after their time
limit. Every task that goes through here is idempotent (it claims its row, or rewrites the same
result), so a message sent twice does the work once.

A broker that hangs rather than refuses (a partition, a Redis stuck in a slow command) costs a
send its socket timeout, 10 s. So after a failed send a process sends nothing from requests for
BROKER_RETRY_AFTER seconds: their rows wait for the sweeper, and the people are told at once
instead of after 10 s each, which would also hold every worker of the web server.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from functools import partial

from celery import Task
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.context import current_request
from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

QUEUED_WHILE_DOWN = _(
    "Saved. The background worker cannot be reached at the moment: the work is queued and will "
    "run as soon as it is back. You can leave this page."
)
# Rows younger than this are still being sent by the request that wrote them.
GRACE = timedelta(seconds=30)
# After a failed send, how long this process's requests leave their rows to the sweeper.
BROKER_RETRY_AFTER = 15.0
_broker_down_until = 0.0  # time.monotonic() of this process


def dispatch(
    task: Task, *args, task_id: str | None = None, countdown: int = 0, tell: bool = True
) -> OutboxMessage:
    """Queue `task(*args)` to run after the current transaction commits (see above), at the
    earliest `countdown` seconds later (the sweeper sends a kept row without delay). `tell`:
    say so to the person when the broker is down (not for work they never asked for)."""
    message = OutboxMessage.objects.create(
        task=task.name, args=list(args), task_id=task_id or str(uuid.uuid4())
    )
    transaction.on_commit(partial(_send_after_commit, task, message, countdown, tell))
    return message


def _send_after_commit(task: Task, message: OutboxMessage, countdown=0, tell=True) -> None:
    if time.monotonic() < _broker_down_until:
        logger.warning("broker unreachable a moment ago, %s left to the sweeper", message)
        sent = False
    else:
        sent = publish(message, task=task, countdown=countdown)
    if not sent and tell:
        _tell_the_person()


def publish(message: OutboxMessage, *, task: Task | None = None, countdown: int = 0) -> bool:
    """Send one outbox row to the broker and delete it; False (row kept) if that failed."""
    global _broker_down_until
    if task is None:
        from portal.celery import app

        task = app.tasks[message.task]
    try:
        task.apply_async(tuple(message.args), task_id=message.task_id, countdown=countdown or None)
    except Exception as exc:  # the broker's connection errors differ by transport and client
        logger.warning("broker unreachable, %s kept in the outbox: %r", message, exc)
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=repr(exc)[:500]
        )
        return False
    _broker_down_until = 0.0
    OutboxMessage.objects.filter(pk=message.pk).delete()
    return True


def _tell_the_person() -> None:
    request = current_request.get()
    if request is None or getattr(request, "queued_while_down", False):
        return
    # Fragments answered to htmx show it themselves (request.queued_while_down); pages get it
    # as a message on the page they go to next.
    request.queued_while_down = True
    if hasattr(request, "_messages") and not getattr(request, "htmx", False):
        messages.warning(request, QUEUED_WHILE_DOWN)


def sweep_lost_work() -> dict[str, int]:
    """Send again what never reached the broker, and re-queue what a dead worker left."""
    counts = {"resent": 0, "dossiers": 0, "packages": 0, "analyses": 0, "summaries": 0}
    due = OutboxMessage.objects.filter(created_at__lt=timezone.now() - GRACE).order_by("id")
    for message in due[:500]:
        if not publish(message):
            break  # the broker is still down; the next sweep tries again
        counts["resent"] += 1
    counts["dossiers"] = _requeue_stale_builds()
    counts["packages"] = _requeue_stale_packages()
    counts["analyses"] = _requeue_stale_analyses()
    counts["summaries"] = _requeue_outdated_summaries()
    if any(counts.values()):
        logger.info("sweeper: %s", counts)
    return counts


def _stale_cutoff():
    return timezone.now() - timedelta(seconds=settings.DOSSIER_TASK_TIME_LIMIT + 120)


def _requeue_stale_builds() -> int:
    from dossiers.models import IN_PROGRESS, Dossier
    from dossiers.services import dossier_retry

    stale = Dossier.objects.filter(status__in=IN_PROGRESS, updated_at__lt=_stale_cutoff())
    return sum(dossier_retry(dossier=dossier) for dossier in stale[:100])


def _requeue_stale_packages() -> int:
    from dossiers.models import IN_PROGRESS
    from filing.models import FilingPackage
    from filing.services import package_retry

    stale = FilingPackage.objects.filter(status__in=IN_PROGRESS, updated_at__lt=_stale_cutoff())
    return sum(package_retry(package=package) for package in stale[:100])


def _requeue_stale_analyses() -> int:
    """Analyses pending past their task's time limit: their worker died. Sent again at most
    once per limit, and for a day, so one that kills its worker does not loop for ever."""
    from django.core.cache import cache

    from assessments.models import Analysis, AnalysisStatus
    from assessments.tasks import ANALYSIS_TIME_LIMIT, analyse_evidence

    now = timezone.now()
    limit = timedelta(seconds=ANALYSIS_TIME_LIMIT + 60)
    pending = Analysis.objects.filter(
        status=AnalysisStatus.PENDING,
        created_at__lt=now - limit,
        created_at__gt=now - timedelta(days=1),
    ).values_list("pk", flat=True)
    count = 0
    for pk in pending[:200]:
        try:
            fresh = cache.add(f"outbox:analysis:{pk}", 1, timeout=int(limit.total_seconds()))
        except Exception as exc:  # the cache may be the Redis that is down
            logger.warning("sweeper: cache unavailable, analyses wait: %r", exc)
            break
        if fresh:
            with transaction.atomic():
                dispatch(analyse_evidence, pk)
            count += 1
    return count


# A filing summary still outdated this long after the last change: its task was lost (a dead
# worker; a broker that was down keeps the row above instead).
SUMMARY_LOST_AFTER = timedelta(minutes=5)


def _requeue_outdated_summaries() -> int:
    """Queued at most once per SUMMARY_LOST_AFTER each, so one whose computation fails does
    not loop every sweep."""
    from django.core.cache import cache

    from assessments.models import Assessment
    from filing.summary import queue_refresh

    outdated = (
        Assessment.objects.exclude(summary_revision=F("edit_revision"))
        .filter(updated_at__lt=timezone.now() - SUMMARY_LOST_AFTER)
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in outdated[:200]:
        try:
            fresh = cache.add(
                f"outbox:summary:{pk}", 1, timeout=int(SUMMARY_LOST_AFTER.total_seconds())
            )
        except Exception as exc:  # the cache may be the Redis that is down
            logger.warning("sweeper: cache unavailable, summaries wait: %r", exc)
            break
        if fresh:
            with transaction.atomic():
                queue_refresh(pk, delay=0)
            count += 1
    return count
