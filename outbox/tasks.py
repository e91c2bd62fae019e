"""The sweeper, run by beat every SWEEPER_SECONDS (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(ignore_result=True)
def sweep_lost_work() -> dict:
    from outbox.services import sweep_lost_work as sweep

    return sweep()
