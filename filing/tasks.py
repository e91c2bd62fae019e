"""Background work of filing packages: a thin task that takes an id and is safe to run twice
(services.package_build claims the row under an advisory lock, as dossiers do)."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from dossiers.errors import DossierError
from dossiers.tasks import MAX_RETRIES, TRANSIENT
from filing import packages, services

logger = logging.getLogger(__name__)


class PackageTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.error("filing package task %s failed: %r", task_id, exc)
        if args:
            services.package_fail(args[0], "internal", repr(exc))


@shared_task(
    bind=True,
    base=PackageTask,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.DOSSIER_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.DOSSIER_TASK_TIME_LIMIT,
)
def build_package(self, package_id: int) -> None:
    try:
        services.package_build(package_id)
    except packages.PackageBlocked as exc:  # a check started to block after the request
        services.package_fail(package_id, "blocked", "; ".join(exc.titles))
    except packages.PackageError as exc:
        services.package_fail(package_id, "route", str(exc))
    except DossierError as exc:  # fonts, signing configuration: retrying cannot help
        services.package_fail(package_id, exc.code, exc.detail)
    except SoftTimeLimitExceeded:
        services.package_fail(package_id, "timeout")
    except TRANSIENT as exc:
        if self.request.retries >= MAX_RETRIES:
            services.package_fail(package_id, "transient", str(exc))
            return
        services.package_requeue(package_id)
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc


@shared_task(acks_late=True, reject_on_worker_lost=True)
def refresh_summary(assessment_pk: int) -> bool:
    """The stored filing routes and blocking checks of one assessment (filing.summary)."""
    from filing.summary import catch_up

    return catch_up(assessment_pk)
