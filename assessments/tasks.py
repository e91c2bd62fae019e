"""Background work of assessments; tasks take ids and are safe to run twice."""

from celery import shared_task

from assessments.analysis import run_analysis

# The sweeper (outbox/services.py) sends an analysis again once this has passed.
ANALYSIS_TIME_LIMIT = 360


@shared_task(acks_late=True, soft_time_limit=300, time_limit=ANALYSIS_TIME_LIMIT)
def analyse_evidence(analysis_id: int) -> None:
    run_analysis(analysis_id)


@shared_task
def clean_evidence_files() -> int:
    """Daily (CELERY_BEAT_SCHEDULE) and `manage.py clean_evidence_files`."""
    from assessments.storage import collect_orphans

    return len(collect_orphans())
