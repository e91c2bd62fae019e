"""Background work of assessments; tasks take ids and are safe to run twice."""

from celery import shared_task

from assessments.analysis import run_analysis


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def analyse_evidence(analysis_id: int) -> None:
    run_analysis(analysis_id)
