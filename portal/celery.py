import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# DjangoTask gives every task delay_on_commit(), so a task never runs before its row exists.
app = Celery("portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def lower_priority(**_kwargs) -> None:
    """The worker (and the pool and render processes it forks) yields the CPU to the web
    processes (settings.WORKER_NICENESS). Sent by `celery worker` only: a worker started
    inside another process (the tests' start_worker) leaves that process alone."""
    from django.conf import settings

    if settings.WORKER_NICENESS and hasattr(os, "nice"):
        os.nice(settings.WORKER_NICENESS)


@celeryd_init.connect
def load_weasyprint(**_kwargs) -> None:
    """WeasyPrint imported once, before the pool processes are forked: each of them, and each
    render process they fork, would otherwise import it at its first PDF (0.27 s of CPU; the
    first package a pool process built took about 0.3 s longer on the way to its report)."""
    from dossiers.pdf import load_weasyprint

    load_weasyprint()
