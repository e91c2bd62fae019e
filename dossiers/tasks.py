"""Background work of dossiers: thin tasks that take ids and are safe to run twice.

At-least-once delivery (late acknowledgement, reject on a lost worker) means a task may run
again after its worker died; services.dossier_build claims the row with a conditional update
under a database session lock, so a redelivered or duplicate task never builds twice at once
and never rebuilds a finished dossier.
"""

from __future__ import annotations

import contextlib
import logging
import os

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init
from django.conf import settings
from django.db import InterfaceError, OperationalError

from dossiers import services
from dossiers.errors import DossierError, TransientError

logger = logging.getLogger(__name__)
TRANSIENT = (TransientError, OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 4


def warm_up() -> None:
    """Load once what every dossier needs: WeasyPrint (about half a second of CPU to import),
    the URL configuration (the verification link's reverse() imports every view module, about
    as long, and builds its lookup table on first use) and the signing key (parsed once, see
    dossiers.signing). Otherwise the first dossier of every worker process pays for them."""
    import weasyprint  # noqa: F401
    from django.urls import get_resolver
    from django.utils import translation

    from dossiers import signing

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (the property imports the URLconf)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018  (filled per language on first use)
    # A key that is missing or unreadable is reported by the build that needs it, not here.
    with contextlib.suppress(Exception):
        signing.load_signing_key()


@worker_init.connect
def _warm_up(**_kwargs) -> None:
    # In the main process before the pool forks: the children inherit the loaded modules (and
    # share their memory). worker_process_init would count against the pool's 4 s start-up
    # limit, which a loaded machine can exceed.
    warm_up()


class DossierTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Anything unforeseen, including the hard time limit: the row must not stay "rendering".
        logger.error("dossier task %s failed: %r", task_id, exc)
        if args:
            services.dossier_fail(args[0], "internal", repr(exc))


@shared_task(
    bind=True,
    base=DossierTask,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.DOSSIER_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.DOSSIER_TASK_TIME_LIMIT,
)
def build_dossier(self, dossier_id: int) -> None:
    worker = f"{self.request.hostname or 'local'}:{os.getpid()}"
    try:
        services.dossier_build(dossier_id, worker=worker)
    except DossierError as exc:  # bad data or configuration: retrying cannot help
        services.dossier_fail(dossier_id, exc.code, exc.detail)
    except SoftTimeLimitExceeded:
        services.dossier_fail(dossier_id, "timeout")
    except TRANSIENT as exc:
        if self.request.retries >= MAX_RETRIES:
            services.dossier_fail(dossier_id, "transient", str(exc))
            return
        services.dossier_requeue(dossier_id)
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
